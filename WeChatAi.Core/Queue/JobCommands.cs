namespace WeChatAi.Core.Queue;

/// <summary>
/// Job contents the worker answers without the LLM. The API enqueues <see cref="Reset"/> for the menu's
/// "new conversation" button, so the worker stays the one owner of the conversation memory.
/// </summary>
public static class JobCommands
{
    /// <summary>Clears the user's conversation memory and confirms it.</summary>
    public const string Reset = "/reset";

    public static bool IsReset(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var text = content.Trim();
        return text.Equals(Reset, StringComparison.OrdinalIgnoreCase) || text == "清除记忆";
    }
}
