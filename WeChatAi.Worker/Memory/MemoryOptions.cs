using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Worker.Memory;

/// <summary>Conversation memory (section <c>Memory</c>): the last turns a user had, shared by every worker.</summary>
public sealed class MemoryOptions
{
    public const string Section = "Memory";

    /// <summary>Approximate tokens of history sent with a question (CJK character ≈ 1 token, else 4 characters ≈ 1).</summary>
    [Range(0, 1_000_000, ErrorMessage = "Memory:MaxTokens must be between 0 and 1000000.")]
    public int MaxTokens { get; set; } = 2_000;

    /// <summary>Messages (questions and answers) kept per user.</summary>
    [Range(0, 1_000, ErrorMessage = "Memory:MaxMessages must be between 0 and 1000.")]
    public int MaxMessages { get; set; } = 20;

    /// <summary>Memory is forgotten after this much inactivity.</summary>
    [Range(1, 10_000, ErrorMessage = "Memory:TtlHours must be between 1 and 10000.")]
    public int TtlHours { get; set; } = 24;
}
