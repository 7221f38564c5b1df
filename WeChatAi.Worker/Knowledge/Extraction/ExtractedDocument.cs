using System.Text;
using System.Text.RegularExpressions;

namespace WeChatAi.Worker.Knowledge.Extraction;

/// <summary>
/// A document as the chunker takes it: its text, with its sections' headings as Markdown heading lines (<c>## …</c>),
/// and its own title when it has one (a page's <c>&lt;title&gt;</c>, a PDF's or a DOCX's document properties).
/// </summary>
internal sealed partial record ExtractedDocument(string? Title, string Text)
{
    /// <summary>A heading line of <paramref name="level"/> (1–6) for the chunker's sections.</summary>
    public static string Heading(int level, string text) => $"{new string('#', Math.Clamp(level, 1, 6))} {OneLine(text)}";

    /// <summary>Whitespace runs as one space, trimmed; null when nothing is left.</summary>
    public static string? OneLineOrNull(string? text) => OneLine(text ?? "") is { Length: > 0 } line ? line : null;

    public static string OneLine(string text) => Whitespace().Replace(text, " ").Trim();

    /// <summary>Lines trimmed, at most one blank line between paragraphs.</summary>
    public static string Tidy(StringBuilder text)
    {
        var lines = text.ToString().Split('\n').Select(line => line.Trim());
        return BlankLines().Replace(string.Join('\n', lines), "\n\n").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();
}
