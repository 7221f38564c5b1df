using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary><c>GET /api/stats</c> on the real API process, with figures the webhook and the worker left in Redis.</summary>
public sealed class StatsEndpointTests(PostgresServer postgres)
{
    [Fact]
    public async Task Stats_report_todays_figures_the_queue_and_latency_percentiles()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var now = DateTimeOffset.UtcNow;
        // Spread over shards, as the webhook and the workers leave them: the API sums them.
        var shards = TestShards.Default;
        await db.HashIncrementAsync(StatsKeys.Counters(shards[0], now), StatsKeys.ReceivedField, 2);
        await db.HashIncrementAsync(StatsKeys.Counters(shards[4], now), StatsKeys.ReceivedField, 3);
        await db.HashIncrementAsync(StatsKeys.Counters(shards[7], now), StatsKeys.AnsweredField, 3);
        await db.HyperLogLogAddAsync(StatsKeys.Users(shards[1], now), ["a"]);
        await db.HyperLogLogAddAsync(StatsKeys.Users(shards[2], now), ["b", "c"]);
        foreach (var ms in Enumerable.Range(1, 100))
        {
            await db.ListLeftPushAsync(StatsKeys.Latencies(shards[ms % 3], now), ms * 10);
        }

        var jobs = QueueKeys.JobStream(shards[2]);
        await db.StreamCreateConsumerGroupAsync(jobs, QueueKeys.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        for (var i = 0; i < 3; i++)
        {
            await db.StreamAddAsync(jobs, "job_id", i);
        }

        await db.StreamReadGroupAsync(jobs, QueueKeys.ConsumerGroup, "c1", StreamPosition.NewMessages, 1);
        await db.StreamAddAsync(QueueKeys.DeadLetterStream(shards[9]), "job_id", "dead");

        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateDatabaseAsync(),
        });

        using var response = await api.Client.GetAsync(new Uri("/api/stats", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = json.RootElement;
        Assert.Equal(StatsKeys.Day(now), root.GetProperty("day").GetString());
        Assert.Equal(5, root.GetProperty("receivedToday").GetInt64());
        Assert.Equal(3, root.GetProperty("answeredToday").GetInt64());
        Assert.Equal(3, root.GetProperty("activeUsersToday").GetInt64());
        Assert.Equal(2, root.GetProperty("queue").GetProperty("waiting").GetInt64());
        Assert.Equal(1, root.GetProperty("queue").GetProperty("inFlight").GetInt64());
        Assert.Equal(1, root.GetProperty("queue").GetProperty("deadLettered").GetInt64());
        var latency = root.GetProperty("answerLatencyMs");
        Assert.Equal((100, 500, 950, 990), (latency.GetProperty("samples").GetInt32(), latency.GetProperty("p50").GetInt64(), latency.GetProperty("p95").GetInt64(), latency.GetProperty("p99").GetInt64()));

        // Served from the short cache: a new figure shows only after it expires.
        await db.HashIncrementAsync(StatsKeys.Counters(TestShards.Default[5], now), StatsKeys.ReceivedField);
        Assert.Equal(5, await ReceivedAsync(api));
        await Task.Delay(Microsoft.AspNetCore.Builder.StatsEndpoints.CacheDuration + TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        Assert.Equal(6, await ReceivedAsync(api));
    }

    private static async Task<long> ReceivedAsync(ServiceProcess api)
    {
        using var json = JsonDocument.Parse(await api.Client.GetStringAsync(new Uri("/api/stats", UriKind.Relative), TestContext.Current.CancellationToken));
        return json.RootElement.GetProperty("receivedToday").GetInt64();
    }
}
