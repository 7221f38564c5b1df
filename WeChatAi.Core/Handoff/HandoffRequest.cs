namespace WeChatAi.Core.Handoff;

/// <summary>
/// Whether a message asks for a person: the whole message is one of <c>Handoff:Keywords</c>, once spaces and closing
/// punctuation ("转人工！", "人工客服。") are trimmed. Whole-message, not "contains": "人工智能是什么" or "人工费多少"
/// are questions for the AI, and the cost of a miss ("我要转人工" goes to the AI, which can say to send 转人工) is
/// smaller than silencing the AI for someone who never asked.
/// </summary>
public static class HandoffRequest
{
    private static readonly char[] Trimmed = [' ', '\u3000', '\t', '\r', '\n', '。', '.', '!', '！', '?', '？', '~', '～', ',', '，'];

    public static bool Matches(string content, IReadOnlyList<string> keywords)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(keywords);
        var text = content.Trim(Trimmed);
        return text.Length > 0 && keywords.Any(k => string.Equals(k.Trim(), text, StringComparison.OrdinalIgnoreCase));
    }
}
