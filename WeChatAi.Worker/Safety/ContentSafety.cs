using Microsoft.Extensions.Options;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Safety;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Safety;

/// <summary>
/// Checks the question before the LLM sees it and the answer before the user does: the word lists first (in
/// memory), then the moderation service when one is configured. A blocked question gets
/// <see cref="SafetyTextOptions.BlockedQuestionText"/> without asking the LLM; a blocked answer is replaced by
/// <see cref="SafetyTextOptions.BlockedAnswerText"/>. Each decision travels with the answer (job hash, then the exchange's
/// record) so that a retry after a crash neither checks again nor loses it.
/// </summary>
internal sealed partial class ContentSafety(
    WordLists words,
    ModerationClient moderation,
    SafetyMetrics metrics,
    IOptions<SafetyOptions> options,
    IOptionsMonitor<SafetyTextOptions> texts,
    TimeProvider time,
    ILogger<ContentSafety> logger)
{
    /// <summary>The answer to <paramref name="job"/> as its user may get it; <paramref name="generate"/> asks the LLM.</summary>
    public async Task<StoredAnswer> AnswerAsync(AiJob job, Func<Task<StoredAnswer>> generate, CancellationToken cancellationToken)
    {
        // The texts as the operator last set them (live settings).
        var settings = texts.CurrentValue;
        var onQuestion = await CheckAsync(job, job.Content, SafetyDirection.Question, cancellationToken);
        if (onQuestion is { Blocked: true })
        {
            return new StoredAnswer(settings.BlockedQuestionText, 0, 0) { SafetyDecisions = [onQuestion] };
        }

        var generated = await generate();

        // The reasoning summary is delivered too (first, Llm:ShowReasoning): checked with the answer, dropped with it.
        var delivered = generated.ReasoningSummary is { } summary ? $"{summary}\n{generated.Text}" : generated.Text;
        var onAnswer = await CheckAsync(job, delivered, SafetyDirection.Answer, cancellationToken);
        SafetyDecision[] decisions = [.. onQuestion is null ? [] : new[] { onQuestion }, .. onAnswer is null ? [] : new[] { onAnswer }];
        return onAnswer is { Blocked: true }
            // The tokens were spent all the same: the record keeps them.
            ? new StoredAnswer(settings.BlockedAnswerText, generated.PromptTokens, generated.CompletionTokens) { SafetyDecisions = decisions }
            : generated with { SafetyDecisions = decisions };
    }

    /// <summary>The decision on <paramref name="text"/>; null when there is nothing to record (nothing found).</summary>
    private async Task<SafetyDecision?> CheckAsync(AiJob job, string text, SafetyDirection direction, CancellationToken cancellationToken)
    {
        if (words.Current.FindFirst(text) is { } match)
        {
            return Decided(job, direction, SafetySource.WordList, blocked: true, match.Term, score: null, text, match.Start, match.Length);
        }

        var settings = options.Value;
        if (!settings.IsModerationConfigured)
        {
            return null;
        }

        try
        {
            var verdict = await moderation.CheckAsync(text, cancellationToken);
            return verdict.Flagged
                ? Decided(job, direction, SafetySource.Moderation, blocked: true,
                    verdict.Categories.Count > 0 ? string.Join(',', verdict.Categories) : "flagged", verdict.TopScore, text, 0, text.Length)
                : null;
        }
        catch (ModerationUnavailableException ex)
        {
            LogModerationUnavailable(logger, job.MsgId, direction, ex.Message, settings.ModerationFailClosed ? "blocked (fail closed)" : "let through (fail open)");
            return Decided(job, direction, SafetySource.Moderation, blocked: settings.ModerationFailClosed, "unavailable", score: null, text, 0, text.Length);
        }
    }

    private SafetyDecision Decided(AiJob job, SafetyDirection direction, SafetySource source, bool blocked, string rule, double? score, string text, int start, int length)
    {
        metrics.Decided(direction, source, blocked);
        if (blocked)
        {
            LogBlocked(logger, job.MsgId, direction, source);
            LogRule(logger, job.MsgId, rule);
        }

        return new SafetyDecision
        {
            AppId = job.AppId,
            OpenId = job.OpenId,
            Direction = direction,
            Source = source,
            Blocked = blocked,
            Rule = rule.Length > SafetyDecision.MaxRule ? rule[..SafetyDecision.MaxRule] : rule,
            Score = score,
            SpanStart = source == SafetySource.WordList ? start : null,
            SpanLength = source == SafetySource.WordList ? length : null,
            Excerpt = text.Substring(start, Math.Min(length, SafetyDecision.MaxExcerpt)),
            DecidedAt = time.GetUtcNow(),
        };
    }

    // The matched text and the rule are for the audit table: the log says only what the operator acts on.
    [LoggerMessage(Level = LogLevel.Information, Message = "Job msg {MsgId}: the {Direction} was blocked by the {Source} check")]
    private static partial void LogBlocked(ILogger logger, long msgId, SafetyDirection direction, SafetySource source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job msg {MsgId}: blocking rule {Rule}")]
    private static partial void LogRule(ILogger logger, long msgId, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job msg {MsgId}: moderation of the {Direction} failed ({Reason}); {Outcome}")]
    private static partial void LogModerationUnavailable(ILogger logger, long msgId, SafetyDirection direction, string reason, string outcome);
}
