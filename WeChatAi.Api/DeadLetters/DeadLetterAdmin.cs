using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.DeadLetters;

/// <summary>
/// The operator's hands on <see cref="QueueKeys.DeadLetterStream"/>: list, retry (back onto the job stream, with
/// what the dead letter kept) and discard. The job's state hash belongs to the worker: a retried entry carries
/// <see cref="DeadLetterFields.RetryOf"/>, and the worker gives it fresh attempts while keeping the stored answer and
/// the sent-part markers, so nothing is sent twice.
/// </summary>
internal sealed class DeadLetterAdmin(IConnectionMultiplexer redis)
{
    public const int MaxPageSize = 1000;

    private const int RetryPageSize = 100;

    private static readonly RedisScript<RetryCall> RetryScript = RedisScript.Load<RetryCall>(typeof(DeadLetterAdmin), "DeadLetterAdmin.Retry.lua", [new
    {
        JobField = AiJob.StreamField,
        AnswerField = DeadLetterFields.Answer,
        TakenOverPartsField = DeadLetterFields.TakenOverParts,
        RetryOfField = DeadLetterFields.RetryOf,
    }]);

    /// <summary>Up to <paramref name="count"/> dead letters, oldest first, after <paramref name="after"/> (exclusive).</summary>
    public async Task<DeadLetterPage> ListAsync(string? after, int count)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(QueueKeys.DeadLetterStream, after is null ? "-" : "(" + after, "+", count);
        var views = entries.Select(DeadLetterView.FromEntry).ToList();
        return new DeadLetterPage(views, views.Count == count ? views[^1].Id : null);
    }

    public async Task<DeadLetterView?> GetAsync(string id)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(QueueKeys.DeadLetterStream, id, id, 1);
        return entries.Length == 1 ? DeadLetterView.FromEntry(entries[0]) : null;
    }

    /// <summary>Re-enqueues one dead letter; returns the new job entry's id, or null if it is gone (retried or discarded meanwhile).</summary>
    public async Task<string?> RetryAsync(string id) => (await MoveAsync([id]))[0];

    /// <summary>Re-enqueues every dead letter there at the start that holds a valid job; the others stay.</summary>
    public async Task<RetryAllResult> RetryAllAsync()
    {
        var db = redis.GetDatabase();
        // Up to the newest at the start: jobs that fail again meanwhile come back as new dead letters, not in this run.
        var newest = await db.StreamRangeAsync(QueueKeys.DeadLetterStream, "-", "+", 1, Order.Descending);
        if (newest.Length == 0)
        {
            return new RetryAllResult(0, []);
        }

        var retried = 0;
        var skipped = new List<SkippedDeadLetter>();
        RedisValue start = "-";
        while (true)
        {
            var page = await db.StreamRangeAsync(QueueKeys.DeadLetterStream, start, newest[0].Id, RetryPageSize);
            if (page.Length == 0)
            {
                break;
            }

            var views = page.Select(DeadLetterView.FromEntry).ToList();
            skipped.AddRange(views.Where(v => v.Job is null).Select(v => new SkippedDeadLetter(v.Id, v.JobError!)));
            var moved = await MoveAsync([.. views.Where(v => v.Job is not null).Select(v => v.Id)]);
            retried += moved.Count(m => m is not null);
            start = "(" + page[^1].Id;
        }

        return new RetryAllResult(retried, skipped);
    }

    /// <summary>Deletes one dead letter; false if it was not there.</summary>
    public async Task<bool> DiscardAsync(string id) =>
        await redis.GetDatabase().StreamDeleteAsync(QueueKeys.DeadLetterStream, [id]) == 1;

    private async Task<string?[]> MoveAsync(string[] ids)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var result = await RetryScript.EvaluateAsync(redis.GetDatabase(),
            new RetryCall(QueueKeys.DeadLetterStream, QueueKeys.JobStream, [.. ids.Select(i => (RedisValue)i)]));
        return [.. ((RedisResult[])result!).Select(r => r.IsNull ? null : r.ToString())];
    }

    /// <summary>The dead-letter stream, the job stream and the dead letters' ids.</summary>
    private sealed record RetryCall(RedisKey DeadLetters, RedisKey Jobs, IReadOnlyList<RedisValue> Ids);
}
