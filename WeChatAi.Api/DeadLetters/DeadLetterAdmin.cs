using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.DeadLetters;

/// <summary>
/// The operator's hands on the shards' <see cref="QueueKeys.DeadLetterStream"/>: list (merged, oldest first), retry
/// (back onto its shard's job stream, with what the dead letter kept) and discard. A dead letter's id carries its shard
/// (<see cref="DeadLetterId"/>). The job's state hash belongs to the worker: a retried entry carries
/// <see cref="DeadLetterFields.RetryOf"/>, and the worker gives it fresh attempts while keeping the stored answer and
/// the sent-part markers, so nothing is sent twice.
/// </summary>
internal sealed class DeadLetterAdmin(IConnectionMultiplexer redis, JobShards shards)
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

    /// <summary>
    /// Up to <paramref name="count"/> dead letters of every shard, oldest first, after <paramref name="after"/>
    /// (exclusive). Ordered by entry id, then shard: each shard is read from just after the cursor, so pages neither
    /// skip nor repeat an entry.
    /// </summary>
    public async Task<DeadLetterPage> ListAsync(DeadLetterId? after, int count)
    {
        var db = redis.GetDatabase();
        var pages = await Task.WhenAll(shards.All.Select(async shard =>
        {
            var start = after is not { } cursor ? "-" : shard.Index <= cursor.Shard ? "(" + cursor.EntryId : cursor.EntryId;
            var entries = await db.StreamRangeAsync(QueueKeys.DeadLetterStream(shard), start, "+", count);
            return entries.Select(e => (Id: DeadLetterId.Of(shard.Index, e.Id.ToString()!), Entry: e));
        }));
        var views = pages.SelectMany(p => p).OrderBy(p => p.Id).Take(count).Select(p => DeadLetterView.FromEntry(p.Id, p.Entry)).ToList();
        return new DeadLetterPage(views, views.Count == count ? views[^1].Id : null);
    }

    public async Task<DeadLetterView?> GetAsync(DeadLetterId id)
    {
        if (id.Shard >= shards.Count)
        {
            return null;
        }

        var entries = await redis.GetDatabase().StreamRangeAsync(QueueKeys.DeadLetterStream(shards[id.Shard]), id.EntryId, id.EntryId, 1);
        return entries.Length == 1 ? DeadLetterView.FromEntry(id, entries[0]) : null;
    }

    /// <summary>Re-enqueues one dead letter; returns the new job entry's id, or null if it is gone (retried or discarded meanwhile).</summary>
    public async Task<string?> RetryAsync(DeadLetterId id) =>
        id.Shard < shards.Count ? (await MoveAsync(shards[id.Shard], [id.EntryId]))[0] : null;

    /// <summary>Re-enqueues every dead letter there at the start that holds a valid job; the others stay.</summary>
    public async Task<RetryAllResult> RetryAllAsync()
    {
        var retried = 0;
        var skipped = new List<SkippedDeadLetter>();
        foreach (var shard in shards.All)
        {
            retried += await RetryAllAsync(shard, skipped);
        }

        return new RetryAllResult(retried, skipped);
    }

    /// <summary>Deletes one dead letter; false if it was not there.</summary>
    public async Task<bool> DiscardAsync(DeadLetterId id) =>
        id.Shard < shards.Count && await redis.GetDatabase().StreamDeleteAsync(QueueKeys.DeadLetterStream(shards[id.Shard]), [id.EntryId]) == 1;

    private async Task<int> RetryAllAsync(JobShard shard, List<SkippedDeadLetter> skipped)
    {
        var db = redis.GetDatabase();
        var stream = QueueKeys.DeadLetterStream(shard);
        // Up to the newest at the start: jobs that fail again meanwhile come back as new dead letters, not in this run.
        var newest = await db.StreamRangeAsync(stream, "-", "+", 1, Order.Descending);
        if (newest.Length == 0)
        {
            return 0;
        }

        var retried = 0;
        RedisValue start = "-";
        while (true)
        {
            var page = await db.StreamRangeAsync(stream, start, newest[0].Id, RetryPageSize);
            if (page.Length == 0)
            {
                break;
            }

            var views = page.Select(e => DeadLetterView.FromEntry(DeadLetterId.Of(shard.Index, e.Id.ToString()!), e)).ToList();
            skipped.AddRange(views.Where(v => v.Job is null).Select(v => new SkippedDeadLetter(v.Id, v.JobError!)));
            var moved = await MoveAsync(shard, [.. page.Where((_, i) => views[i].Job is not null).Select(e => e.Id.ToString())]);
            retried += moved.Count(m => m is not null);
            start = "(" + page[^1].Id;
        }

        return retried;
    }

    private async Task<string?[]> MoveAsync(JobShard shard, string[] entryIds)
    {
        if (entryIds.Length == 0)
        {
            return [];
        }

        var result = await RetryScript.EvaluateAsync(redis.GetDatabase(),
            new RetryCall(QueueKeys.DeadLetterStream(shard), QueueKeys.JobStream(shard), [.. entryIds.Select(i => (RedisValue)i)]));
        return [.. ((RedisResult[])result!).Select(r => r.IsNull ? null : r.ToString())];
    }

    /// <summary>The shard's dead-letter stream, its job stream (one slot) and the dead letters' entry ids.</summary>
    private sealed record RetryCall(RedisKey DeadLetters, RedisKey Jobs, IReadOnlyList<RedisValue> Ids);
}
