using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;
using WeChatAi.Core.Queue;

namespace WeChatAi.Api.DeadLetters;

/// <summary>One dead letter as the operator sees it.</summary>
/// <param name="Id">Its <see cref="DeadLetterId"/>: <c>{shard}-{entry id}</c>.</param>
/// <param name="Job">The job, or null when the entry holds no valid job (<paramref name="JobError"/> says why; it cannot be retried).</param>
/// <param name="Answer">The answer the job had stored (a retry sends it instead of asking the LLM again).</param>
/// <param name="TakenOverParts">Pending parts of the user's the job had taken over (a retry delivers those not yet sent).</param>
internal sealed record DeadLetterView(
    string Id,
    string? Reason,
    int? Attempts,
    DateTimeOffset? DeadAt,
    string? SourceId,
    DeadJobView? Job,
    string? JobError,
    string? Answer,
    IReadOnlyList<string> TakenOverParts)
{
    public static DeadLetterView FromEntry(DeadLetterId id, StreamEntry entry)
    {
        DeadJobView? job = null;
        string? error = null;
        try
        {
            job = DeadJobView.From(AiJob.FromStreamEntry(entry));
        }
        catch (FormatException ex)
        {
            error = ex.Message;
        }

        var attempts = entry[DeadLetterFields.Attempts];
        var deadAt = entry[DeadLetterFields.DeadAt];
        return new DeadLetterView(
            id.ToString(),
            NullIfEmpty(entry[DeadLetterFields.Reason]),
            attempts.TryParse(out int a) ? a : null,
            deadAt.TryParse(out long ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
            NullIfEmpty(entry[DeadLetterFields.SourceId]),
            job,
            error,
            NullIfEmpty(entry[DeadLetterFields.Answer]),
            Parts(entry[DeadLetterFields.TakenOverParts]));
    }

    private static string? NullIfEmpty(RedisValue value) => value.IsNullOrEmpty ? null : value.ToString();

    private static string[] Parts(RedisValue json)
    {
        if (json.IsNullOrEmpty)
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(json.ToString(), DeadLetterJson.Default.StringArray) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

internal sealed record DeadJobView(string JobId, string AppId, string OpenId, long MsgId, string Content, DateTimeOffset ReceivedAt)
{
    public static DeadJobView From(AiJob job) =>
        new(job.JobId, job.AppId, job.OpenId, job.MsgId, job.Content, DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs));
}

/// <param name="Next">Pass as <c>after</c> for the next page; null on the last page.</param>
internal sealed record DeadLetterPage(IReadOnlyList<DeadLetterView> DeadLetters, string? Next);

/// <param name="EntryId">The job's new entry on the job stream.</param>
internal sealed record RetriedDeadLetter(string Id, string JobId, string EntryId);

/// <param name="Skipped">Dead letters left in place because they hold no valid job.</param>
internal sealed record RetryAllResult(int Retried, IReadOnlyList<SkippedDeadLetter> Skipped);

internal sealed record SkippedDeadLetter(string Id, string Reason);

// The taken-over parts, as the worker wrote them.
[JsonSerializable(typeof(string[]))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class DeadLetterJson : JsonSerializerContext;
