namespace WeChatAi.Worker.Common;

/// <summary>An answer as the LLM gave it (or the reset confirmation), with what it cost; kept in <see cref="JobState"/>.</summary>
internal sealed record StoredAnswer(string Text, int PromptTokens, int CompletionTokens);
