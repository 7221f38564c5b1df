using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Core.Data;

/// <summary>One question and what became of it: answered, or given up on and why.</summary>
public sealed class ChatExchange
{
    public long Id { get; set; }

    /// <summary>The queue's idempotency key (AppId, OpenID, MsgId): one row per accepted message.</summary>
    public required string JobId { get; set; }

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public required string Question { get; set; }

    /// <summary><c>image</c> or <c>voice</c> when the question was one (a voice's <see cref="Question"/> is its transcription); null for text.</summary>
    public string? Media { get; set; }

    /// <summary>What the question cost, as the admission wrote it: <c>f:{yyyyMMdd}</c> a free question, <c>c</c> a credit; null for none.</summary>
    public string? Charge { get; set; }

    public string? Answer { get; set; }

    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public DateTimeOffset? AnsweredAt { get; set; }

    public int LatencyMs { get; set; }

    public int Attempts { get; set; }

    public ExchangeOutcome Outcome { get; set; }

    public string? Error { get; set; }

    /// <summary>
    /// Set when content safety blocked the question (the LLM was not asked) or the answer: <see cref="Answer"/> is then
    /// the replacement text the user got.
    /// </summary>
    public SafetyDirection? Blocked { get; set; }

    public List<SafetyDecision> SafetyDecisions { get; set; } = [];

    /// <summary>The knowledge base's passages for the answer, and whether it was a miss; null when it was not consulted.</summary>
    public ExchangeKnowledge? Knowledge { get; set; }
}

public enum ExchangeOutcome
{
    Answered,
    DeadLettered,
    Deferred,
}
