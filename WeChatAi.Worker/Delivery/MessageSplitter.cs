using System.Text;

namespace WeChatAi.Worker.Delivery;

/// <summary>
/// Splits a text into messages of at most <c>maxBytes</c> UTF-8 bytes, cutting at a paragraph, then a line, then a
/// sentence end (。！？.!?), and only when a stretch has none of these, inside it (never inside a character).
/// </summary>
internal static class MessageSplitter
{
    private static readonly char[] SentenceEnds = ['。', '！', '？', '.', '!', '?', '；', ';'];

    /// <summary>
    /// Splits like <see cref="Split(string, int)"/> and ends the last part with <paramref name="label"/> on its own line,
    /// counted within <paramref name="maxBytes"/>: the AI label (after the knowledge citation, when there is one) appears
    /// exactly once, whole, and no part grows past the limit.
    /// </summary>
    public static IReadOnlyList<string> Split(string text, int maxBytes, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var parts = Split(text, maxBytes);
        if (label.Length == 0)
        {
            return parts;
        }

        var suffix = "\n" + label;
        var suffixBytes = Encoding.UTF8.GetByteCount(suffix);
        if (parts.Count == 0)
        {
            return [label];
        }

        var last = parts[^1];
        if (Encoding.UTF8.GetByteCount(last) + suffixBytes <= maxBytes)
        {
            return [.. parts.Take(parts.Count - 1), last + suffix];
        }

        // The last part is too full: split it again leaving room for the label in its own last piece.
        var tail = Split(last, maxBytes - suffixBytes);
        return [.. parts.Take(parts.Count - 1), .. tail.Take(tail.Count - 1), tail[^1] + suffix];
    }

    public static IReadOnlyList<string> Split(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 4);
        var parts = new List<string>();
        var rest = text.Trim();
        while (rest.Length > 0)
        {
            if (Encoding.UTF8.GetByteCount(rest) <= maxBytes)
            {
                parts.Add(rest);
                break;
            }

            var window = FittingLength(rest, maxBytes);
            var cut = BestCut(rest, window);
            var part = rest[..cut].TrimEnd();
            if (part.Length > 0)
            {
                parts.Add(part);
            }

            rest = rest[cut..].TrimStart();
        }

        return parts;
    }

    /// <summary>The longest prefix length within <paramref name="maxBytes"/> that does not split a surrogate pair.</summary>
    private static int FittingLength(string text, int maxBytes)
    {
        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(i, width));
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            i += width;
        }

        return i;
    }

    private static int BestCut(string text, int window)
    {
        var span = text.AsSpan(0, window);
        var half = window / 2;

        // A boundary in the second half of the window: parts stay large; else any boundary at all; else a hard cut.
        foreach (var minimum in new[] { half, 1 })
        {
            var paragraph = span.LastIndexOf("\n\n", StringComparison.Ordinal);
            if (paragraph >= minimum)
            {
                return paragraph + 2;
            }

            var line = span.LastIndexOf('\n');
            if (line >= minimum)
            {
                return line + 1;
            }

            var sentence = LastSentenceEnd(text, window);
            if (sentence >= minimum)
            {
                return sentence;
            }
        }

        return window;
    }

    /// <summary>Index just after the last sentence end within the window (ASCII ends only before a space or the end).</summary>
    private static int LastSentenceEnd(string text, int window)
    {
        for (var i = window - 1; i >= 0; i--)
        {
            var c = text[i];
            if (Array.IndexOf(SentenceEnds, c) < 0)
            {
                continue;
            }

            if (c < 128 && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
            {
                continue; // 3.14, example.com, a?b
            }

            return i + 1;
        }

        return -1;
    }
}
