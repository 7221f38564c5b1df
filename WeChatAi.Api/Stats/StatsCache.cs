using System.Text.Json.Serialization;
using StackExchange.Redis;
using WeChatAi.Api.HttpApi;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Stats;

/// <summary>
/// One reading of the figures shared by every request for <c>duration</c> (<see cref="ShortCache{T}"/>): every shard's
/// figures in one pipelined batch, summed (users too: each user counts in one shard only).
/// </summary>
internal sealed class StatsCache(JobShards shards, TimeSpan duration, TimeProvider time) : IDisposable
{
    private readonly ShortCache<StatsSnapshot> _cache = new(duration, time);

    public Task<StatsSnapshot> GetAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken) =>
        _cache.GetAsync(now => ReadAsync(redis.GetDatabase(), shards, now), cancellationToken);

    /// <summary>The operator's reading: the shared figures and today's orders, read each time (the console asks rarely).</summary>
    /// <param name="orders">Today's order figures from PostgreSQL (China's day); null when PostgreSQL does not answer.</param>
    public async Task<AdminStatsSnapshot> GetWithOrdersAsync(IConnectionMultiplexer redis, Func<DateOnly, Task<OrderFigures?>> orders, CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(redis, cancellationToken);
        var day = BillingDay.Of(snapshot.GeneratedAt);
        return new AdminStatsSnapshot(snapshot, await orders(day) is { } figures ? BillingFigures.From(day, figures) : null);
    }

    public void Dispose() => _cache.Dispose();

    internal static async Task<StatsSnapshot> ReadAsync(IDatabase db, JobShards shards, DateTimeOffset now)
    {
        var batch = db.CreateBatch();
        var reads = shards.All.Select(shard => new ShardReading(
            batch.HashGetAllAsync(StatsKeys.Counters(shard, now)),
            batch.HyperLogLogLengthAsync(StatsKeys.Users(shard, now)),
            batch.ListRangeAsync(StatsKeys.Latencies(shard, now)),
            batch.StreamLengthAsync(QueueKeys.JobStream(shard)),
            batch.StreamLengthAsync(QueueKeys.DeadLetterStream(shard)),
            batch.KeyExistsAsync(QueueKeys.JobStream(shard)))).ToArray();
        batch.Execute();
        await Task.WhenAll(reads.SelectMany(r => new Task[] { r.Counters, r.Users, r.Latencies, r.Length, r.Dead, r.Exists }));
        var queues = await Task.WhenAll(shards.All.Select((shard, i) => QueueAsync(db, shard, reads[i])));

        var figures = reads.SelectMany(r => r.Counters.Result).GroupBy(e => e.Name.ToString(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Value), StringComparer.Ordinal);
        var samples = reads.SelectMany(r => r.Latencies.Result).Select(v => (long)v).Order().ToArray();
        return new StatsSnapshot(
            StatsKeys.Day(now),
            figures.GetValueOrDefault(StatsKeys.ReceivedField),
            figures.GetValueOrDefault(StatsKeys.AnsweredField),
            figures.GetValueOrDefault(StatsKeys.DeferredField),
            figures.GetValueOrDefault(StatsKeys.DeadLetteredField),
            reads.Sum(r => r.Users.Result),
            new QueueFigures(
                queues.Any(q => q.Waiting is null) ? null : queues.Sum(q => q.Waiting),
                queues.Sum(q => q.InFlight),
                reads.Sum(r => r.Dead.Result)),
            new LatencyFigures(samples.Length, Percentile(samples, 0.50), Percentile(samples, 0.95), Percentile(samples, 0.99)),
            now);
    }

    /// <summary>The shard's waiting and in-flight jobs: from its group when it has one, else its stream's length.</summary>
    private static async Task<(long? Waiting, long InFlight)> QueueAsync(IDatabase db, JobShard shard, ShardReading read)
    {
        if (!read.Exists.Result)
        {
            return (read.Length.Result, 0);
        }

        try
        {
            var group = (await db.StreamGroupInfoAsync(QueueKeys.JobStream(shard))).FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup);
            if (group.Name is not null)
            {
                // Lag: entries no worker has read yet (unknown to Redis after some deletions).
                return (group.Lag, group.PendingMessageCount);
            }
        }
        catch (RedisServerException)
        {
            // The key is not a stream (or vanished meanwhile): report what was read.
        }

        return (read.Length.Result, 0);
    }

    private sealed record ShardReading(
        Task<HashEntry[]> Counters, Task<long> Users, Task<RedisValue[]> Latencies, Task<long> Length, Task<long> Dead, Task<bool> Exists);

    private static long? Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>The body of <c>GET /api/stats</c>.</summary>
/// <param name="Day">China's day the daily figures are for (<c>yyyyMMdd</c>).</param>
internal sealed record StatsSnapshot(
    string Day,
    long ReceivedToday,
    long AnsweredToday,
    long DeferredToday,
    long DeadLetteredToday,
    long ActiveUsersToday,
    QueueFigures Queue,
    LatencyFigures AnswerLatencyMs,
    DateTimeOffset GeneratedAt);

/// <summary>The body of <c>GET /api/admin/stats</c>: the public figures and, for the operator only, today's orders and revenue.</summary>
/// <param name="Billing">Orders and revenue today (null when PostgreSQL did not answer).</param>
internal sealed record AdminStatsSnapshot(
    [property: JsonPropertyName("messages")] StatsSnapshot Messages,
    BillingFigures? Billing);

/// <param name="Day">China's day the figures are for (<c>yyyyMMdd</c>, UTC+8), the day of quotas and orders.</param>
/// <param name="PayingUsersToday">Distinct users with an order paid today.</param>
internal sealed record BillingFigures(string Day, int OrdersToday, int PaidOrdersToday, int PayingUsersToday, long RevenueFenToday, long RefundedFenToday)
{
    public static BillingFigures From(DateOnly day, OrderFigures f) =>
        new(BillingDay.Key(day), f.Orders, f.PaidOrders, f.PayingUsers, f.RevenueFen, f.RefundedFen);
}

/// <param name="Waiting">Jobs no worker has picked up yet (null when Redis cannot tell).</param>
/// <param name="InFlight">Jobs picked up and not yet acknowledged.</param>
/// <param name="DeadLettered">Jobs in the dead-letter stream.</param>
internal sealed record QueueFigures(long? Waiting, long InFlight, long DeadLettered);

/// <summary>From received by the webhook to pushed, over the latest answers of today.</summary>
internal sealed record LatencyFigures(int Samples, long? P50, long? P95, long? P99);
