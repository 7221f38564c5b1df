using System.Text;
using System.Text.RegularExpressions;

namespace WeChatAi.Core.Knowledge;

/// <summary>A passage cut from a source: the section heading it sits under (if any) and its text.</summary>
public sealed record ChunkDraft(string? Heading, string Text);

/// <summary>
/// Cuts a text or Markdown document into passages for retrieval, the way Chinese is written: sections at Markdown
/// headings (the heading path is the passage's context), paragraphs at blank lines, sentences after 。！？；… (and
/// their ASCII forms), packed up to a size with an overlap of whole sentences. A sentence longer than a chunk is cut
/// by length. Pure code: the worker chunks, tests call it directly.
/// </summary>
public static partial class TextChunker
{
    private const string Enders = "。！？；!?;…";
    private const string Closers = "”’」』）)】》\"'";

    /// <summary>An FAQ pair is one passage, whatever its length: cutting it would separate the answer from its question.</summary>
    public static ChunkDraft Faq(string question, string answer) => new(null, $"问：{question.Trim()}\n答：{answer.Trim()}");

    public static IReadOnlyList<ChunkDraft> Split(string content, int chunkChars, int overlapChars)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkChars, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(overlapChars * 2, chunkChars);
        var chunks = new List<ChunkDraft>();
        foreach (var (heading, paragraphs) in Sections(content))
        {
            var units = paragraphs.SelectMany(Sentences).SelectMany(s => s.Length <= chunkChars ? [s] : ByLength(s, chunkChars, overlapChars));
            chunks.AddRange(Pack(units, chunkChars, overlapChars).Select(text => new ChunkDraft(heading, text)));
        }

        return chunks;
    }

    /// <summary>The heading path ("课程 / 价格") and paragraphs of each section; text before the first heading has none.</summary>
    private static IEnumerable<(string? Heading, List<string> Paragraphs)> Sections(string content)
    {
        var headings = new List<(int Level, string Text)>();
        var paragraphs = new List<string>();
        var paragraph = new StringBuilder();

        void EndParagraph()
        {
            if (paragraph.Length > 0)
            {
                paragraphs.Add(paragraph.ToString());
                paragraph.Clear();
            }
        }

        string? Path() => headings.Count == 0 ? null : string.Join(" / ", headings.Select(h => h.Text));

        foreach (var line in content.ReplaceLineEndings("\n").Split('\n'))
        {
            if (Heading().Match(line) is { Success: true } match)
            {
                EndParagraph();
                if (paragraphs.Count > 0)
                {
                    yield return (Path(), paragraphs);
                    paragraphs = [];
                }

                var level = match.Groups[1].Length;
                headings.RemoveAll(h => h.Level >= level);
                headings.Add((level, match.Groups[2].Value.Trim()));
            }
            else if (string.IsNullOrWhiteSpace(line))
            {
                EndParagraph();
            }
            else
            {
                // A line break inside a paragraph (a list, a poem) ends a sentence as a full stop would.
                paragraph.Append(line.Trim()).Append('\n');
            }
        }

        EndParagraph();
        if (paragraphs.Count > 0)
        {
            yield return (Path(), paragraphs);
        }
    }

    /// <summary>The sentences of a paragraph, each with its closing quotes; the paragraph's last ends with a line break.</summary>
    private static IEnumerable<string> Sentences(string paragraph)
    {
        var start = 0;
        for (var i = 0; i < paragraph.Length; i++)
        {
            var c = paragraph[i];
            if (c != '\n' && !Enders.Contains(c, StringComparison.Ordinal))
            {
                continue;
            }

            // "……", "？！" and closing quotes stay with the sentence they end.
            while (i + 1 < paragraph.Length && (Enders.Contains(paragraph[i + 1], StringComparison.Ordinal) || Closers.Contains(paragraph[i + 1], StringComparison.Ordinal)))
            {
                i++;
            }

            if (i + 1 < paragraph.Length && paragraph[i + 1] == '\n' && c != '\n')
            {
                i++;
            }

            yield return paragraph[start..(i + 1)];
            start = i + 1;
        }

        if (start < paragraph.Length)
        {
            yield return paragraph[start..];
        }
    }

    /// <summary>A sentence longer than a chunk, cut every <c>chunkChars − overlapChars</c> characters.</summary>
    private static IEnumerable<string> ByLength(string sentence, int chunkChars, int overlapChars)
    {
        var step = chunkChars - overlapChars;
        for (var start = 0; start < sentence.Length; start += step)
        {
            yield return sentence.Substring(start, Math.Min(chunkChars, sentence.Length - start));
            if (start + chunkChars >= sentence.Length)
            {
                yield break;
            }
        }
    }

    /// <summary>Sentences packed into chunks of at most <paramref name="chunkChars"/>, each new one starting with the last sentences (up to <paramref name="overlapChars"/>) of the one before.</summary>
    private static IEnumerable<string> Pack(IEnumerable<string> units, int chunkChars, int overlapChars)
    {
        var current = new List<string>();
        var length = 0;
        var fresh = 0; // sentences in current that no chunk holds yet
        foreach (var unit in units)
        {
            if (length + unit.Length > chunkChars && fresh > 0)
            {
                yield return Text(current);
                var overlap = new List<string>();
                var kept = 0;
                for (var i = current.Count - 1; i > 0 && kept + current[i].Length <= overlapChars && kept + current[i].Length + unit.Length <= chunkChars; i--)
                {
                    overlap.Insert(0, current[i]);
                    kept += current[i].Length;
                }

                current = overlap;
                length = kept;
                fresh = 0;
            }

            current.Add(unit);
            length += unit.Length;
            fresh++;
        }

        if (fresh > 0 && Text(current) is { Length: > 0 } last)
        {
            yield return last;
        }
    }

    private static string Text(List<string> sentences) => string.Concat(sentences).Trim();

    [GeneratedRegex(@"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")]
    private static partial Regex Heading();
}
