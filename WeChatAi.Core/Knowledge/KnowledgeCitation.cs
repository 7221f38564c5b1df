using System.Text;
using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// The source line an answer from the knowledge base ends with: <c>参考：《标题》</c> for each distinct source of the
/// passages it was given (at most <see cref="MaxSources"/>), a source with a web address as a tappable
/// <c>&lt;a href&gt;</c>. It goes before the AI label, both kept whole in the answer's last part (<see cref="Trailer"/>).
/// </summary>
public static class KnowledgeCitation
{
    public const int MaxSources = 3;

    /// <summary>The line's most UTF-8 bytes: with the AI label (at most half a message) it always fits one part.</summary>
    public const int MaxBytes = 600;

    private const int MaxTitleChars = 40;
    private const int MaxUrlChars = 400;

    /// <summary>The line, or null when the answer cites nothing (no passages, or a miss).</summary>
    public static string? Line(ExchangeKnowledge? knowledge)
    {
        if (knowledge is not { Cites: true })
        {
            return null;
        }

        var line = new StringBuilder("参考：");
        var cited = 0;
        foreach (var source in knowledge.Passages.DistinctBy(p => p.SourceId).Take(MaxSources))
        {
            var separator = cited == 0 ? "" : "、";
            var title = $"《{Title(source.Title)}》";
            var linked = Link(source.Url) is { } url ? $"<a href=\"{url}\">{title}</a>" : title;
            var item = Fits(line, separator + linked) ? linked : Fits(line, separator + title) ? title : null;
            if (item is not null)
            {
                line.Append(separator).Append(item);
                cited++;
            }
        }

        return cited == 0 ? null : line.ToString();
    }

    /// <summary>A passage as the exchange keeps it (and the citation reads it): its chunk, source, title, link, BM25 score and match.</summary>
    public static ExchangePassage Used(RankedPassage p) =>
        new(p.Passage.ChunkId, p.Passage.SourceId, p.Passage.Title, p.Passage.Url, Math.Round(p.Score, 4), Math.Round(p.Match, 4));

    /// <summary>What the answer's last part ends with: the citation line, then the AI label, each on its own line.</summary>
    public static string Trailer(ExchangeKnowledge? knowledge, string label) =>
        Line(knowledge) is not { } citation ? label
        : label.Length == 0 ? citation
        : citation + "\n" + label;

    private static bool Fits(StringBuilder line, string item) =>
        Encoding.UTF8.GetByteCount(line.ToString()) + Encoding.UTF8.GetByteCount(item) <= MaxBytes;

    // Angle brackets would read as markup in a WeChat text; a long title is cut.
    private static string Title(string title)
    {
        var clean = title.Replace('<', '＜').Replace('>', '＞').Replace('\n', ' ').Trim();
        return clean.Length <= MaxTitleChars ? clean : clean[..(MaxTitleChars - 1)] + "…";
    }

    /// <summary>An absolute http(s) address that can stand in an attribute; anything else is cited without a link.</summary>
    private static string? Link(string? url) =>
        url is { Length: > 0 and <= MaxUrlChars }
        && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && !url.Any(c => c is '"' or '<' or '>' or '\'' || char.IsWhiteSpace(c) || char.IsControl(c))
            ? url
            : null;
}
