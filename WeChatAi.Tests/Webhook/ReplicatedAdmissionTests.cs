using System.Diagnostics;
using System.Net;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Webhook;

/// <summary>
/// <c>Redis:ReplicaAcks=1</c> against a real master and replica: WeChat hears "accepted" only once the replica holds
/// the message; with the replica stalled the webhook answers a fast 503 (never past WeChat's 5 s), and WeChat's retry
/// of the same message, once the replica is back, is accepted without a second job.
/// </summary>
public sealed class ReplicatedAdmissionTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Token = "replica-token";
    private static readonly TimeSpan WeChatTimeout = TimeSpan.FromSeconds(4.5);
    private RedisServer _master = null!;
    private RedisReplica _replica = null!;
    private ServiceProcess _api = null!;
    private WeChatClient _weChat = null!;

    public async ValueTask InitializeAsync()
    {
        _master = await RedisServer.StartAsync();
        _replica = await RedisReplica.StartAsync(_master);
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _master.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = "wxreplica00000000",
            ["WeChat__AckMode"] = "text",
            ["Redis__ReplicaAcks"] = "1",
            ["Redis__ReplicaAckTimeoutMs"] = "300",
        });
        _weChat = new WeChatClient(_api.Client, Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _replica.DisposeAsync();
        await _master.DisposeAsync();
    }

    [Fact]
    public async Task An_accepted_message_is_on_the_replica_when_WeChat_hears_of_it()
    {
        var (status, body, _) = await SendAsync("o-replicated", 1);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));
        await using var replica = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_replica.Port}");
        var jobs = await replica.GetDatabase().JobEntriesAsync();
        Assert.Equal("o-replicated", AiJob.FromStreamEntry(Assert.Single(jobs)).OpenId);
    }

    [Fact]
    public async Task A_stalled_replica_gives_a_fast_503_and_the_retry_after_it_is_accepted_once()
    {
        await SendAsync("o-warm", 1); // the master's role is known before the replica stalls

        _replica.Process.Signal("STOP");
        var (stalled, _, latency) = await SendAsync("o-stalled", 2);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled);
        Assert.True(latency < WeChatTimeout, $"the 503 took {latency.TotalMilliseconds:F0} ms");

        _replica.Process.Signal("CONT");
        var (retried, body, _) = await SendAsync("o-stalled", 2);
        Assert.Equal(HttpStatusCode.OK, retried);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_master.ConnectionString);
        var jobs = (await connection.GetDatabase().JobEntriesAsync()).Select(e => AiJob.FromStreamEntry(e).OpenId).ToList();
        Assert.Single(jobs, "o-stalled");
        Assert.DoesNotContain("An unhandled exception", _api.Output, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Body, TimeSpan Latency)> SendAsync(string openId, long msgId)
    {
        var sent = Stopwatch.StartNew();
        var (status, body) = await WeChatClient.SendAsync(_weChat.PostPlainAsync(WeChatClient.Text(openId, msgId, "复制")));
        return (status, body, sent.Elapsed);
    }
}
