using System.Diagnostics;
using System.Net;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Webhook;

/// <summary>
/// Redis restarted or gone while the API runs: a message waits up to MessageAdmission.RedisWait (3 s) for Redis, then
/// gets a fast 503; never a 500, never longer than WeChat's 5 s.
/// </summary>
public sealed class WebhookRedisOutageTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Token = "outage-token";
    private static readonly TimeSpan WeChatTimeout = TimeSpan.FromSeconds(4.5);
    private RedisServer _redis = null!;
    private ServiceProcess _api = null!;
    private WeChatClient _weChat = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = "wxoutage000000000",
            ["WeChat__AckMode"] = "text", // these tests read the passive text; typing has its own
        });
        _weChat = new WeChatClient(_api.Client, Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Messages_sent_while_redis_restarts_wait_for_it_and_get_their_reply()
    {
        await AssertAcceptedAsync(await SendAsync("o-before", 1));

        await _redis.KillAsync();
        var during = Enumerable.Range(0, 10).Select(i => SendAsync($"o-during-{i}", 100 + i)).ToArray();
        await Task.Delay(500, TestContext.Current.CancellationToken);
        await _redis.RunAsync();

        foreach (var reply in await Task.WhenAll(during))
        {
            await AssertAcceptedAsync(reply);
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var jobs = (await connection.GetDatabase().JobEntriesAsync()).Select(e => AiJob.FromStreamEntry(e).OpenId).ToHashSet();
        Assert.All(Enumerable.Range(0, 10), i => Assert.Contains($"o-during-{i}", jobs));
        AssertNoServerError();
    }

    [Fact]
    public async Task Redis_away_longer_than_the_wait_gives_a_fast_503_then_service_resumes_by_itself()
    {
        await AssertAcceptedAsync(await SendAsync("o-first", 1));

        await _redis.KillAsync();
        foreach (var reply in await Task.WhenAll(Enumerable.Range(0, 5).Select(i => SendAsync($"o-away-{i}", 200 + i))))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
            Assert.True(reply.Latency < WeChatTimeout, $"the 503 took {reply.Latency.TotalMilliseconds:F0} ms");
        }

        Assert.Equal(HttpStatusCode.OK, await _api.GetStatusAsync("/alive"));
        await _redis.RunAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var (status, _, _) = await SendAsync("o-back", 300);
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
            (status, _, _) = await SendAsync("o-back", 300);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        AssertNoServerError();
    }

    private async Task<(HttpStatusCode Status, string Body, TimeSpan Latency)> SendAsync(string openId, long msgId)
    {
        var sent = Stopwatch.StartNew();
        var (status, body) = await WeChatClient.SendAsync(_weChat.PostPlainAsync(WeChatClient.Text(openId, msgId, "重启")));
        return (status, body, sent.Elapsed);
    }

    private static Task AssertAcceptedAsync((HttpStatusCode Status, string Body, TimeSpan Latency) reply)
    {
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(reply.Body));
        Assert.True(reply.Latency < WeChatTimeout, $"the reply took {reply.Latency.TotalMilliseconds:F0} ms");
        return Task.CompletedTask;
    }

    private void AssertNoServerError() =>
        Assert.DoesNotContain("An unhandled exception", _api.Output, StringComparison.Ordinal);
}
