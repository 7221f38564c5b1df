namespace WeChatAi.Worker.Llm;

/// <summary>
/// Separates a reasoning model's thinking from its answer: DeepSeek-R1 and its distills write <c>&lt;think&gt;…&lt;/think&gt;</c>
/// into the content (sometimes only the closing tag, when the template opened it), and users must never see it.
/// </summary>
internal static class ReasoningFilter
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    /// <returns>The answer without thinking, and the thinking (null when there was none).</returns>
    public static (string Answer, string? Reasoning) Separate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains("think>", StringComparison.OrdinalIgnoreCase))
        {
            return (text, null);
        }

        var answer = new System.Text.StringBuilder(text.Length);
        var reasoning = new System.Text.StringBuilder();
        var rest = text.AsSpan();

        // A closing tag before any opening one: everything before it was thinking.
        var firstClose = rest.IndexOf(Close, StringComparison.OrdinalIgnoreCase);
        var firstOpen = rest.IndexOf(Open, StringComparison.OrdinalIgnoreCase);
        if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen))
        {
            reasoning.Append(rest[..firstClose].Trim());
            rest = rest[(firstClose + Close.Length)..];
        }

        while (rest.Length > 0)
        {
            var open = rest.IndexOf(Open, StringComparison.OrdinalIgnoreCase);
            if (open < 0)
            {
                answer.Append(rest);
                break;
            }

            answer.Append(rest[..open]);
            rest = rest[(open + Open.Length)..];
            var close = rest.IndexOf(Close, StringComparison.OrdinalIgnoreCase);

            // An unclosed block (the answer was cut off by the token limit) is thinking to the end.
            var thought = close < 0 ? rest : rest[..close];
            if (reasoning.Length > 0 && !thought.Trim().IsEmpty)
            {
                reasoning.Append('\n');
            }

            reasoning.Append(thought.Trim());
            rest = close < 0 ? [] : rest[(close + Close.Length)..];
        }

        var thinking = reasoning.ToString().Trim();
        return (answer.ToString().Trim(), thinking.Length > 0 ? thinking : null);
    }

    /// <summary>The first <paramref name="maxChars"/> characters of the thinking as one line, for <c>Llm:ShowReasoning</c>.</summary>
    public static string Summarize(string reasoning, int maxChars)
    {
        var line = string.Join(' ', reasoning.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        if (line.Length <= maxChars)
        {
            return line;
        }

        // Never cut a surrogate pair in half.
        var cut = char.IsHighSurrogate(line[maxChars - 1]) ? maxChars - 1 : maxChars;
        return string.Concat(line.AsSpan(0, cut), "…");
    }
}
