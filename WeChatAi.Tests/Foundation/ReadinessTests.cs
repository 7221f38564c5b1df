using System.Diagnostics;
using System.Net;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;

namespace WeChatAi.Tests.Foundation;

/// <summary>Ready means ready: a service accepts traffic only once Redis answers and its warm-up ran.</summary>
public sealed class ReadinessTests(PostgresServer postgres)
{
    private const string Token = "readiness-token";
    private const string AppId = "wxready0000000000";
    private const int Burst = 64;

    [Fact]
    public async Task A_just_started_api_answers_a_burst_of_64_requests_each_in_under_a_second()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = ServiceProcess.Launch("WeChatAi.Api", await ApiEnvironmentAsync(redis));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Burst * 2 }) { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var weChat = new WeChatClient(http, Token);

        // The moment the port accepts a connection, as a load balancer or the AppHost's proxy would send traffic.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await api.AcceptsConnectionsAsync())
        {
            Assert.False(api.HasExited, api.Output);
            Assert.True(DateTime.UtcNow < deadline, $"the API did not open its port within 60 s:\n{api.Output}");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        var replies = await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => Task.Run(async () =>
        {
            var sent = Stopwatch.StartNew();
            var (status, body) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text($"o-burst-{i}", 7000 + i, "冷启动")));
            return (Status: status, Body: body, Latency: sent.Elapsed);
        })));

        Assert.All(replies, reply =>
        {
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(reply.Body));
        });
        var slow = replies.Where(r => r.Latency >= TimeSpan.FromSeconds(1)).Select(r => r.Latency.TotalMilliseconds).ToList();
        Assert.True(slow.Count == 0, $"{slow.Count} of {Burst} requests took 1 s or more: {string.Join(", ", slow.Select(ms => $"{ms:F0} ms"))}");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.Equal(Burst, await connection.GetDatabase().JobCountAsync());
    }

    [Fact]
    public async Task An_api_started_before_redis_keeps_its_port_closed_and_serves_once_redis_answers()
    {
        await using var redis = RedisServer.Create();
        await using var api = ServiceProcess.Launch("WeChatAi.Api", await ApiEnvironmentAsync(redis));

        await WaitForOutputAsync(api, "Waiting for Redis");
        Assert.False(await api.AcceptsConnectionsAsync());
        Assert.False(api.HasExited);

        await redis.RunAsync();
        await api.WaitUntilAliveAsync(TimeSpan.FromSeconds(30));
        var (status, body) = await WeChatClient.SendAsync(new WeChatClient(api.Client, Token).PostPlainAsync(WeChatClient.Text("o-late", 1, "晚到的 Redis")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));
    }

    [Theory]
    [InlineData("WeChatAi.Api")]
    [InlineData("WeChatAi.Worker")]
    public async Task A_service_stopped_while_it_waits_for_redis_exits_cleanly_without_ever_listening(string project)
    {
        await using var redis = RedisServer.Create();
        await using var service = ServiceProcess.Launch(project, await ApiEnvironmentAsync(redis));
        await WaitForOutputAsync(service, "Waiting for Redis");

        Assert.Equal(0, await service.StopAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Stopped before Redis was ready", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening on", service.Output, StringComparison.Ordinal);
    }

    private async Task<Dictionary<string, string?>> ApiEnvironmentAsync(RedisServer redis) => new()
    {
        ["ConnectionStrings__redis"] = redis.ConnectionString,
        ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
        ["WeChat__Token"] = Token,
        ["WeChat__AppId"] = AppId,
        ["WeChat__AckText"] = WebhookFixture.AckText,
        ["WeChat__AckMode"] = "text", // these tests read the passive text; typing has its own
        ["RateLimits__PerUserBurst"] = "5",
    };

    private static async Task WaitForOutputAsync(ServiceProcess service, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!service.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(service.HasExited, service.Output);
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' did not appear within 30 s:\n{service.Output}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
