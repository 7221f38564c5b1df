using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Worker.Common;

/// <summary>
/// An answer as the user gets it (the LLM's, the reset confirmation, or content safety's replacement), with what it
/// cost and the safety decisions taken on the way; kept in <see cref="JobState"/>.
/// <paramref name="ReasoningSummary"/> is the short summary of a reasoning model's thinking (<c>Llm:ShowReasoning</c>).
/// </summary>
internal sealed record StoredAnswer(string Text, int PromptTokens, int CompletionTokens, string? ReasoningSummary = null)
{
    public IReadOnlyList<SafetyDecision> SafetyDecisions { get; init; } = [];

    /// <summary>What the knowledge base gave the answer (its passages, or a miss); null when it was not consulted.</summary>
    public ExchangeKnowledge? Knowledge { get; init; }

    /// <summary>Set when the question or the answer was blocked: <see cref="Text"/> is then the replacement.</summary>
    public SafetyDirection? Blocked => SafetyDecisions.FirstOrDefault(d => d.Blocked)?.Direction;
}
