using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Worker.Common;
using WeChatAi.Core.Redis;

namespace WeChatAi.Tests.Overview;

/// <summary>The worker's call and token counts on a real Redis, flushed by the worker's clock (a fake one here).</summary>
public sealed class ServiceCallStatsTests
{
    [Fact]
    public async Task Counts_go_to_Redis_at_the_next_flush_and_those_made_while_Redis_is_away_arrive_once_it_is_back()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},abortConnect=false,connectTimeout=500");
        var db = connection.GetDatabase();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 30, TimeSpan.Zero));
        // One shard: every flush writes the same keys (with more, each flush takes the next shard; readers sum them).
        var shard = new JobShards(1)[0];
        var minute = StatsKeys.Calls(shard, clock.GetUtcNow());
        using var stats = new ServiceCallStats(connection, new JobShards(1), clock, NullLogger<ServiceCallStats>.Instance);
        await stats.StartAsync(TestContext.Current.CancellationToken);

        stats.LlmCall(failed: false, promptTokens: 10, completionTokens: 20);
        stats.LlmCall(failed: true);
        stats.WeChatApiCall(failed: false);
        Assert.False(await db.KeyExistsAsync(minute)); // gathered in memory until the flush

        await FlushUntilAsync(clock, async () => await db.KeyExistsAsync(minute));
        Assert.Equal((2, 1, 1), ((long)await db.HashGetAsync(minute, "llm:calls"), (long)await db.HashGetAsync(minute, "llm:errors"), (long)await db.HashGetAsync(minute, "wechat-api:calls")));
        Assert.False(await db.HashExistsAsync(minute, "wechat-api:errors"));
        Assert.InRange((await db.KeyTimeToLiveAsync(minute))!.Value, TimeSpan.FromMinutes(29), StatsKeys.CallsRetention);
        var day = StatsKeys.Minutes(shard, clock.GetUtcNow());
        Assert.Equal((10, 20), ((long)await db.HashGetAsync(day, StatsKeys.PromptTokensField), (long)await db.HashGetAsync(day, StatsKeys.CompletionTokensField)));

        await redis.KillAsync();
        stats.WeChatApiCall(failed: true);
        clock.Advance(TimeSpan.FromSeconds(1)); // a flush while Redis is away
        await redis.RunAsync();
        await FlushUntilAsync(clock, async () => (long)await db.HashGetAsync(minute, "wechat-api:errors") == 1);
        Assert.Equal((2, 2), ((long)await db.HashGetAsync(minute, "llm:calls"), (long)await db.HashGetAsync(minute, "wechat-api:calls")));

        await stats.StopAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Moves the worker's clock a second at a time (each tick is a flush) until <paramref name="condition"/> holds.</summary>
    private static async Task FlushUntilAsync(FakeTimeProvider clock, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await ConditionAsync(condition))
        {
            Assert.True(DateTime.UtcNow < deadline, "the counts did not reach Redis");
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<bool> ConditionAsync(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (RedisConnectionException)
        {
            return false; // still reconnecting
        }
    }
}
