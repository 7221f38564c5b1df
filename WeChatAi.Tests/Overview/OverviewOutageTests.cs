using System.Net;
using System.Text.Json;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;
using StackExchange.Redis;

namespace WeChatAi.Tests.Overview;

/// <summary>
/// The overview while a store is away: PostgreSQL stopped leaves its figures out, Redis stopped is a 503. A PostgreSQL
/// server of the test's own (the shared one must never stop).
/// </summary>
public sealed class OverviewOutageTests : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();

    public ValueTask InitializeAsync() => _postgres.InitializeAsync();

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();

    [Fact]
    public async Task With_PostgreSQL_stopped_the_overview_answers_from_Redis_and_with_Redis_stopped_it_is_a_503()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await OverviewApi.StartAsync(redis.ConnectionString, await _postgres.CreateMigratedDatabaseAsync(), "wxoutage");
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var now = DateTimeOffset.UtcNow;
            await connection.GetDatabase().HashIncrementAsync(StatsKeys.Minutes(TestShards.Default[3], now), StatsKeys.ReceivedMinuteField(now), 2);
        }

        var before = await OverviewApi.WaitForAsync(api, o => OverviewApi.Health(o, "postgresql").GetProperty("status").GetString() == "ok", "PostgreSQL ok");
        Assert.StartsWith("ping ", OverviewApi.Health(before, "postgresql").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((0, 0), OverviewTests.DayFigures(before.GetProperty("days")[0]));

        await _postgres.StopAsync();
        var during = await OverviewApi.WaitForAsync(api, o => OverviewApi.Health(o, "postgresql").GetProperty("status").GetString() == "down", "PostgreSQL down");
        Assert.Equal(JsonValueKind.Null, during.GetProperty("orders").ValueKind);
        Assert.Equal(JsonValueKind.Null, during.GetProperty("days")[0].GetProperty("received").ValueKind);
        Assert.Equal(2, during.GetProperty("days")[29].GetProperty("received").GetInt64());
        Assert.Equal(2, OverviewApi.Sum(during, "minutes", "received"));
        Assert.Equal("ok", OverviewApi.Health(during, "redis").GetProperty("status").GetString());
        Assert.StartsWith("unreachable", OverviewApi.Health(during, "postgresql").GetProperty("detail").GetString(), StringComparison.Ordinal);

        await redis.KillAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        (HttpStatusCode Status, JsonElement Body) response;
        while ((response = await OverviewApi.GetAsync(api)).Status == HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.Status);
        Assert.Contains("Redis", response.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
