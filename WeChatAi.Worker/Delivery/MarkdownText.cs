using System.Text;
using System.Text.RegularExpressions;

namespace WeChatAi.Worker.Delivery;

/// <summary>
/// Turns the Markdown LLMs like to write into plain text that reads well in a WeChat chat: headings on their own line,
/// emphasis and inline code without markers, code blocks as plain lines, links as <c>text (url)</c>, bullets as "• ".
/// </summary>
internal static partial class MarkdownText
{
    public static string ToPlainText(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var output = new StringBuilder(markdown.Length);
        var inFence = false;
        foreach (var rawLine in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = rawLine;
            if (FenceRegex().IsMatch(line))
            {
                inFence = !inFence;
                continue;
            }

            if (!inFence)
            {
                if (TableSeparatorRegex().IsMatch(line) || HorizontalRuleRegex().IsMatch(line))
                {
                    continue;
                }

                line = ConvertLine(line);
            }

            output.Append(line).Append('\n');
        }

        var text = ExtraBlankLinesRegex().Replace(output.ToString(), "\n\n");
        return text.Trim('\n').TrimEnd();
    }

    private static string ConvertLine(string line)
    {
        var heading = HeadingRegex().Match(line);
        if (heading.Success)
        {
            line = heading.Groups["text"].Value.TrimEnd('#', ' ');
        }

        line = BlockquoteRegex().Replace(line, string.Empty);
        line = BulletRegex().Replace(line, "${indent}• ");
        line = ImageRegex().Replace(line, m => Link(m.Groups["text"].Value, m.Groups["url"].Value));
        line = LinkRegex().Replace(line, m => Link(m.Groups["text"].Value, m.Groups["url"].Value));
        line = InlineCodeRegex().Replace(line, "${code}");
        line = BoldRegex().Replace(line, "${text}");
        line = ItalicStarRegex().Replace(line, "${text}");
        line = ItalicUnderscoreRegex().Replace(line, "${text}");
        line = StrikeRegex().Replace(line, "${text}");
        return line;
    }

    private static string Link(string text, string url) =>
        text.Length == 0 || text == url ? url : $"{text} ({url})";

    [GeneratedRegex(@"^\s{0,3}(```|~~~)")]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")]
    private static partial Regex TableSeparatorRegex();

    [GeneratedRegex(@"^\s{0,3}([-*_])(\s*\1){2,}\s*$")]
    private static partial Regex HorizontalRuleRegex();

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(?<text>.*)$")]
    private static partial Regex HeadingRegex();

    [GeneratedRegex(@"^\s{0,3}>\s?")]
    private static partial Regex BlockquoteRegex();

    [GeneratedRegex(@"^(?<indent>\s*)[-*+]\s+")]
    private static partial Regex BulletRegex();

    [GeneratedRegex(@"!\[(?<text>[^\]]*)\]\((?<url>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex ImageRegex();

    [GeneratedRegex(@"\[(?<text>[^\]]+)\]\((?<url>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"`(?<code>[^`]+)`")]
    private static partial Regex InlineCodeRegex();

    [GeneratedRegex(@"(\*\*|__)(?<text>\S(?:.*?\S)?)\1")]
    private static partial Regex BoldRegex();

    [GeneratedRegex(@"(?<![*A-Za-z0-9])\*(?<text>[^\s*](?:[^*]*?[^\s*])?)\*(?!\*)")]
    private static partial Regex ItalicStarRegex();

    [GeneratedRegex(@"(?<![_A-Za-z0-9])_(?<text>[^\s_](?:[^_]*?[^\s_])?)_(?![_A-Za-z0-9])")]
    private static partial Regex ItalicUnderscoreRegex();

    [GeneratedRegex(@"~~(?<text>\S(?:.*?\S)?)~~")]
    private static partial Regex StrikeRegex();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex ExtraBlankLinesRegex();
}
