using StackExchange.Redis;
using WeChatAi.Api.Overview;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Overview;

/// <summary>The overview's figures on their own: China's day in the minute keys, the health thresholds, the cost.</summary>
public class OverviewFiguresTests
{
    private readonly IRedisSource _redis;

    public OverviewFiguresTests()
        : this(SingleRedis.Source)
    {
    }

    protected OverviewFiguresTests(IRedisSource redis)
    {
        _redis = redis;
    }

    [Fact]
    public async Task The_last_hour_reaches_back_over_Chinas_midnight_and_todays_totals_count_only_Chinas_day()
    {
        await using var redis = await _redis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var beforeMidnight = new DateTimeOffset(2026, 12, 1, 15, 40, 30, TimeSpan.Zero); // 23:40 in China
        var afterMidnight = new DateTimeOffset(2026, 12, 1, 16, 5, 0, TimeSpan.Zero);   // 00:05 on 2 December
        var tooOld = new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero);
        // Figures spread over two shards, as the webhook and the workers leave them: the overview sums them.
        var (one, two) = (TestShards.Default[0], TestShards.Default[7]);
        Assert.Equal((one.Prefix + "minutes:20261201", "r2340"), (StatsKeys.Minutes(one, beforeMidnight), StatsKeys.ReceivedMinuteField(beforeMidnight)));
        Assert.Equal((one.Prefix + "minutes:20261202", "a0005"), (StatsKeys.Minutes(one, afterMidnight), StatsKeys.AnsweredMinuteField(afterMidnight)));
        // Latency and active users (/api/stats' daily keys) start their day at the same midnight.
        Assert.Equal((one.Prefix + "stats:20261201", one.Prefix + "users:20261202", one.Prefix + "latency:20261202"),
            (StatsKeys.Counters(one, beforeMidnight), StatsKeys.Users(one, afterMidnight), StatsKeys.Latencies(one, afterMidnight)));
        await db.HashIncrementAsync(StatsKeys.Minutes(one, beforeMidnight), StatsKeys.ReceivedMinuteField(beforeMidnight), 1);
        await db.HashIncrementAsync(StatsKeys.Minutes(two, beforeMidnight), StatsKeys.ReceivedMinuteField(beforeMidnight), 3);
        await db.HashIncrementAsync(StatsKeys.Minutes(two, beforeMidnight), StatsKeys.AnsweredMinuteField(beforeMidnight), 3);
        await db.HashIncrementAsync(StatsKeys.Minutes(one, tooOld), StatsKeys.ReceivedMinuteField(tooOld), 50);
        await db.HashIncrementAsync(StatsKeys.Minutes(one, afterMidnight), StatsKeys.ReceivedMinuteField(afterMidnight), 1);
        await db.HashIncrementAsync(StatsKeys.Minutes(two, afterMidnight), StatsKeys.ReceivedMinuteField(afterMidnight), 1);
        await db.HashIncrementAsync(StatsKeys.Minutes(two, afterMidnight), StatsKeys.PromptTokensField, 120);
        var inWindow = afterMidnight.AddMinutes(10);
        await db.HashIncrementAsync(StatsKeys.Calls(one, inWindow), StatsKeys.CallsField(StatsKeys.LlmService), 2);
        await db.HashIncrementAsync(StatsKeys.Calls(two, inWindow), StatsKeys.CallsField(StatsKeys.LlmService), 4);
        await db.HashIncrementAsync(StatsKeys.Calls(two, inWindow), StatsKeys.ErrorsField(StatsKeys.LlmService), 1);
        await db.HashIncrementAsync(StatsKeys.Calls(one, inWindow.AddMinutes(5)), StatsKeys.CallsField(StatsKeys.LlmService), 4);
        await db.HashIncrementAsync(StatsKeys.Calls(one, afterMidnight), StatsKeys.CallsField(StatsKeys.LlmService), 50);
        await db.HashIncrementAsync(StatsKeys.Calls(two, beforeMidnight), StatsKeys.CallsField(StatsKeys.LlmService), 99);

        var figures = await RedisFigures.ReadAsync(db, TestShards.Default, new DateTimeOffset(2026, 12, 1, 16, 20, 10, TimeSpan.Zero));

        Assert.Equal(60, figures.Minutes.Count);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 15, 21, 0, TimeSpan.Zero), figures.Minutes[0].At);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 16, 20, 0, TimeSpan.Zero), figures.Minutes[^1].At);
        Assert.Equal((4, 3), Single(figures, beforeMidnight));
        Assert.Equal((2, 0), Single(figures, afterMidnight));
        Assert.Equal((6, 3), (figures.Minutes.Sum(m => m.Received), figures.Minutes.Sum(m => m.Answered)));
        Assert.Equal((2, 0, 120, 0), (figures.ReceivedToday, figures.AnsweredToday, figures.PromptTokensToday, figures.CompletionTokensToday));

        // 16:06–16:20 is the 15-minute window: the calls of 15:40 and 16:05 are outside it.
        var llm = figures.Services.Single(s => s.Name == StatsKeys.LlmService);
        Assert.Equal((HealthStatus.Degraded, 10, 1), (llm.Status, llm.Calls, llm.Errors));
        Assert.Equal(HealthStatus.Idle, figures.Services.Single(s => s.Name == StatsKeys.WeChatApiService).Status);
    }

    [Theory]
    [InlineData(0, 0, HealthStatus.Idle)]
    [InlineData(100, 0, HealthStatus.Ok)]
    [InlineData(100, 4, HealthStatus.Ok)]
    [InlineData(100, 5, HealthStatus.Degraded)]
    [InlineData(100, 49, HealthStatus.Degraded)]
    [InlineData(100, 50, HealthStatus.Down)]
    [InlineData(3, 3, HealthStatus.Down)]
    public void A_services_status_follows_its_error_rate(long calls, long errors, string status) =>
        Assert.Equal(status, HealthStatus.Service("llm", calls, errors).Status);

    [Fact]
    public void The_cost_is_all_tokens_at_the_price_per_thousand_and_unknown_without_a_price()
    {
        Assert.Equal(0.04m, OverviewReader.Tokens(12_000, 8_000, 0.002m).EstimatedCostToday);
        Assert.Equal(1.5m, OverviewReader.Tokens(1_000, 500, 1m).EstimatedCostToday);
        var unknown = OverviewReader.Tokens(1_000, 500, 0);
        Assert.Equal((1_000, 500, (decimal?)null, (decimal?)null), (unknown.PromptToday, unknown.CompletionToday, unknown.PricePer1kTokens, unknown.EstimatedCostToday));
    }

    private static (long Received, long Answered) Single(RedisFigures figures, DateTimeOffset time)
    {
        var minute = figures.Minutes.Single(m => m.At == new DateTimeOffset(time.Year, time.Month, time.Day, time.Hour, time.Minute, 0, TimeSpan.Zero));
        return (minute.Received, minute.Answered);
    }
}

/// <summary>The same figures read from a Redis Cluster: the minutes' and calls' keys spread over its masters.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class OverviewFiguresClusterTests(RedisClusterFixture cluster) : OverviewFiguresTests(cluster);
