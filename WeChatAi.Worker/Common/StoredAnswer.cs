namespace WeChatAi.Worker.Common;

/// <summary>
/// An answer as the LLM gave it (or the reset confirmation), with what it cost; kept in <see cref="JobState"/>.
/// <paramref name="ReasoningSummary"/> is the short summary of a reasoning model's thinking (<c>Llm:ShowReasoning</c>).
/// </summary>
internal sealed record StoredAnswer(string Text, int PromptTokens, int CompletionTokens, string? ReasoningSummary = null);
