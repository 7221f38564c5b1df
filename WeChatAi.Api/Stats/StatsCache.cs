using System.Text.Json.Serialization;
using StackExchange.Redis;
using WeChatAi.Api.HttpApi;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Stats;

/// <summary>
/// One reading of the figures shared by every request for <c>duration</c> (<see cref="ShortCache{T}"/>).
/// </summary>
internal sealed class StatsCache(TimeSpan duration, TimeProvider time) : IDisposable
{
    private readonly ShortCache<StatsSnapshot> _cache = new(duration, time);

    public Task<StatsSnapshot> GetAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken) =>
        _cache.GetAsync(now => ReadAsync(redis.GetDatabase(), now), cancellationToken);

    /// <summary>The operator's reading: the shared figures and today's orders, read each time (the console asks rarely).</summary>
    /// <param name="orders">Today's order figures from PostgreSQL (China's day); null when PostgreSQL does not answer.</param>
    public async Task<AdminStatsSnapshot> GetWithOrdersAsync(IConnectionMultiplexer redis, Func<DateOnly, Task<OrderFigures?>> orders, CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(redis, cancellationToken);
        var day = BillingDay.Of(snapshot.GeneratedAt);
        return new AdminStatsSnapshot(snapshot, await orders(day) is { } figures ? BillingFigures.From(day, figures) : null);
    }

    public void Dispose() => _cache.Dispose();

    internal static async Task<StatsSnapshot> ReadAsync(IDatabase db, DateTimeOffset now)
    {
        var batch = db.CreateBatch();
        var counters = batch.HashGetAllAsync(StatsKeys.Counters(now));
        var users = batch.HyperLogLogLengthAsync(StatsKeys.Users(now));
        var latencies = batch.ListRangeAsync(StatsKeys.Latencies(now));
        var length = batch.StreamLengthAsync(QueueKeys.JobStream);
        var dead = batch.StreamLengthAsync(QueueKeys.DeadLetterStream);
        var exists = batch.KeyExistsAsync(QueueKeys.JobStream);
        batch.Execute();
        await Task.WhenAll(counters, users, latencies, length, dead, exists);

        long? waiting = await length;
        long inFlight = 0;
        if (await exists)
        {
            try
            {
                var group = (await db.StreamGroupInfoAsync(QueueKeys.JobStream)).FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup);
                if (group.Name is not null)
                {
                    // Lag: entries no worker has read yet (unknown to Redis after some deletions).
                    waiting = group.Lag;
                    inFlight = group.PendingMessageCount;
                }
            }
            catch (RedisServerException)
            {
                // The key is not a stream (or vanished meanwhile): report what was read.
            }
        }

        var figures = (await counters).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        var samples = (await latencies).Select(v => (long)v).Order().ToArray();
        return new StatsSnapshot(
            StatsKeys.Day(now),
            figures.GetValueOrDefault(StatsKeys.ReceivedField),
            figures.GetValueOrDefault(StatsKeys.AnsweredField),
            figures.GetValueOrDefault(StatsKeys.DeferredField),
            figures.GetValueOrDefault(StatsKeys.DeadLetteredField),
            await users,
            new QueueFigures(waiting, inFlight, await dead),
            new LatencyFigures(samples.Length, Percentile(samples, 0.50), Percentile(samples, 0.95), Percentile(samples, 0.99)),
            now);
    }

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
