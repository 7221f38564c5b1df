using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Stats;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Overview;

/// <summary>
/// Puts the overview together from Redis (<c>/api/stats</c>' figures, <see cref="RedisFigures"/>) and PostgreSQL
/// (<see cref="DatabaseFigures"/>, asked meanwhile). Redis away fails it (a <see cref="RedisException"/>); PostgreSQL
/// away only empties its figures.
/// </summary>
internal sealed class OverviewReader(
    IConnectionMultiplexer redis, JobShards shards, IServiceScopeFactory scopes, IOptions<LlmPriceOptions> price, ILogger<OverviewReader> logger)
{
    public const int DayCount = 30;

    public async Task<OverviewSnapshot> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = BillingDay.Of(now);
        var database = DatabaseFigures.ReadAsync(scopes, today, DayCount, logger, cancellationToken);
        var db = redis.GetDatabase();
        var stats = await StatsCache.ReadAsync(db, shards, now);
        var recent = await RedisFigures.ReadAsync(db, shards, now);
        var stored = await database;

        var days = Enumerable.Range(0, DayCount).Select(i => today.AddDays(i - DayCount + 1)).Select(day =>
            day == today ? new DayFigures(day, recent.ReceivedToday, recent.AnsweredToday)
            : stored.PastDays is not { } past ? new DayFigures(day, null, null)
            : past.TryGetValue(day, out var row) ? new DayFigures(day, row.Received, row.Answered)
            : new DayFigures(day, 0, 0));
        var latency = stats.AnswerLatencyMs;
        return new OverviewSnapshot(
            now,
            recent.Minutes,
            [.. days],
            new LatencyOverview(latency.P50, latency.P95, latency.P99, latency.Samples),
            new QueueOverview(stats.Queue.Waiting, stats.Queue.InFlight, stats.Queue.DeadLettered),
            stats.ActiveUsersToday,
            Tokens(recent.PromptTokensToday, recent.CompletionTokensToday, price.Value.PricePer1kTokens),
            stored.Orders,
            stored.Handoff,
            [HealthStatus.Store("redis", recent.Ping, null), stored.Health, .. recent.Services]);
    }

    /// <summary>Prompt and completion tokens at one price; no price (0), no estimate.</summary>
    internal static TokenFigures Tokens(long prompt, long completion, decimal pricePer1k) => pricePer1k == 0
        ? new(prompt, completion, null, null)
        : new(prompt, completion, pricePer1k, (prompt + completion) * pricePer1k / 1000m);
}
