using StackExchange.Redis;

namespace WeChatAi.Core.Queue;

/// <summary>
/// The fields of a dead letter (an entry of <see cref="QueueKeys.DeadLetterStream"/>) besides the job's own
/// <see cref="AiJob.StreamField"/>: the worker writes them, the API's operator endpoints read them. A retried job's
/// entry on <see cref="QueueKeys.JobStream"/> carries <see cref="RetryOf"/> and the dead letter's
/// <see cref="Answer"/> and <see cref="TakenOverParts"/>.
/// </summary>
public static class DeadLetterFields
{
    public const string Reason = "dead_reason";

    public const string Attempts = "dead_attempts";

    /// <summary>Unix milliseconds.</summary>
    public const string DeadAt = "dead_at";

    /// <summary>The job stream entry the dead letter came from.</summary>
    public const string SourceId = "source_id";

    /// <summary>The answer the job had stored (absent when the LLM never answered): a retry sends it, not a new one.</summary>
    public const string Answer = "dead_answer";

    /// <summary>JSON array of the user's pending parts the job had taken over (absent when none): a retry delivers them.</summary>
    public const string TakenOverParts = "dead_prefix";

    /// <summary>On a retried job's entry: the dead letter's id. The worker gives the job fresh attempts once per retry.</summary>
    public const string RetryOf = "retry_of";
}

/// <summary>What a job entry re-enqueued from a dead letter carries besides the job.</summary>
/// <param name="DeadLetterId">The dead letter it came from: one reset of the job's attempts per retry.</param>
/// <param name="Answer">The answer the dead letter kept, if any.</param>
/// <param name="TakenOverParts">The taken-over pending parts (JSON array) the dead letter kept, if any.</param>
public sealed record DeadLetterRetry(string DeadLetterId, string? Answer, string? TakenOverParts)
{
    /// <summary>The retry a job entry carries, or null for a job as the webhook enqueued it.</summary>
    public static DeadLetterRetry? FromStreamEntry(StreamEntry entry)
    {
        var retryOf = entry[DeadLetterFields.RetryOf];
        if (retryOf.IsNullOrEmpty)
        {
            return null;
        }

        var answer = entry[DeadLetterFields.Answer];
        var parts = entry[DeadLetterFields.TakenOverParts];
        return new DeadLetterRetry(retryOf.ToString(), answer.IsNullOrEmpty ? null : answer.ToString(), parts.IsNullOrEmpty ? null : parts.ToString());
    }
}
