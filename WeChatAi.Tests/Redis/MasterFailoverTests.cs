using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Redis;

/// <summary>
/// A Redis master SIGKILLed under load (issue 24): an API and a worker on their own 3-master + 3-replica cluster with
/// <c>Redis:ReplicaAcks=1</c>, messages sent as WeChat sends them (5 s timeout, 3 attempts of the same MsgId) while a
/// master dies, its replica takes over and the old master rejoins as a replica. Every message WeChat heard "accepted"
/// for is answered exactly once, and no request waits out WeChat's 5 s.
/// </summary>
public sealed class MasterFailoverTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Token = "failover-token";
    private const int Users = 60;
    private const int MessagesPerUser = 5;
    private const int Attempts = 3;
    private static readonly TimeSpan SendingTime = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan WeChatTimeout = TimeSpan.FromSeconds(5);
    private WorkerHarness _h = null!;
    private RedisCluster _cluster = null!;
    private ServiceProcess _api = null!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        _h = await WorkerHarness.StartAsync(postgres, new OwnCluster(_cluster));
        var replicaAcks = new Dictionary<string, string?> { ["Redis__ReplicaAcks"] = "1" };
        await _h.StartWorkerAsync(replicaAcks);
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>(replicaAcks)
        {
            ["ConnectionStrings__redis"] = _cluster.ConnectionString,
            ["ConnectionStrings__wechatdb"] = _h.Database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = WorkerHarness.AppId,
            ["WeChat__AppSecret"] = "test-secret",
            ["WeChat__ApiBaseUrl"] = _h.WeChat.BaseAddress.ToString(),
            ["WeChat__AckMode"] = "text",
            ["RateLimits__PerUserPerMinute"] = "1000",
            ["RateLimits__PerUserBurst"] = "100",
            ["Billing__FreeDailyMessages"] = "1000",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_h is not null)
        {
            await _h.DisposeAsync(); // the cluster with it
        }
        else if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_message_accepted_while_a_master_dies_and_rejoins_is_answered_exactly_once()
    {
        using var http = new HttpClient { BaseAddress = _api.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var weChat = new WeChatClient(http, Token);
        var stats = new Traffic();
        var messages = Enumerable.Range(0, Users * MessagesPerUser)
            .Select(i => (OpenId: $"o-failover-{(i % Users).ToString("D2", CultureInfo.InvariantCulture)}", MsgId: 900_000L + i))
            .ToArray();

        var sending = Stopwatch.StartNew();
        var sent = messages.Select(async (message, i) =>
        {
            await Task.Delay(SendingTime * i / messages.Length, TestContext.Current.CancellationToken);
            return (message.MsgId, Accepted: await SendAsWeChatAsync(weChat, message.OpenId, message.MsgId, stats));
        }).ToArray();

        // A quarter of the way in, the master of a third of the slots dies; its replica takes over; later it comes back.
        await Task.Delay(SendingTime / 4, TestContext.Current.CancellationToken);
        var victim = (await _cluster.MastersAsync())[0];
        var failover = Stopwatch.StartNew();
        var promoted = await _cluster.KillMasterAsync(victim);
        failover.Stop();
        var rejoin = Stopwatch.StartNew();
        await _cluster.RestartAsync(victim);
        rejoin.Stop();
        Assert.Contains(victim, await _cluster.ReplicasOfAsync(promoted));

        var results = await Task.WhenAll(sent);
        sending.Stop();
        var accepted = results.Where(r => r.Accepted).Select(r => r.MsgId).ToHashSet();
        var expected = accepted.Select(Answer).ToHashSet(StringComparer.Ordinal);
        await _h.WaitUntilAsync(
            () => _h.WeChat.Messages.Count(m => expected.Contains(m.Content)) >= expected.Count,
            $"an answer to each of the {expected.Count} accepted messages",
            TimeSpan.FromSeconds(90));
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "every job to be acknowledged", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken); // room for a late duplicate

        // Each answer names its question, so one push per (user, text) is one push per message.
        var pushes = _h.WeChat.Messages.GroupBy(m => m.Content, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var repeated = _h.WeChat.Messages.GroupBy(m => (m.ToUser, m.Content)).Where(g => g.Count() > 1).Select(g => g.Key.Content).ToList();
        var report = string.Create(CultureInfo.InvariantCulture,
            $"{messages.Length} messages from {Users} users over {sending.Elapsed.TotalSeconds:F1} s: {accepted.Count} accepted, " +
            $"{stats.Retried} needed a retry, {stats.Unavailable} answered 503, {stats.TimedOut} timed out, {messages.Length - accepted.Count} given up; " +
            $"max request latency {stats.MaxLatency.TotalMilliseconds:F0} ms; master {victim.Port} killed, {promoted.Port} promoted and the cluster whole " +
            $"after {failover.Elapsed.TotalSeconds:F1} s, {victim.Port} back as its replica after {rejoin.Elapsed.TotalSeconds:F1} s; " +
            $"{pushes.Values.Sum()} pushes, {repeated.Count} pushed twice or more to the same user");
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        TestContext.Current.SendDiagnosticMessage(report);

        Assert.True(accepted.Count == messages.Length, $"every message is accepted within WeChat's three attempts: {report}");
        Assert.All(expected, answer => Assert.True(pushes.GetValueOrDefault(answer) == 1, $"{answer} pushed {pushes.GetValueOrDefault(answer)} times: {report}"));
        Assert.True(repeated.Count == 0, $"pushed twice: {string.Join(", ", repeated)}: {report}");
        Assert.True(stats.TimedOut == 0 && stats.MaxLatency < WeChatTimeout, report);
        Assert.DoesNotContain("An unhandled exception", _api.Output, StringComparison.Ordinal);
    }

    private static string Question(long msgId) => "问题" + msgId.ToString(CultureInfo.InvariantCulture);

    private static string Answer(long msgId) => "答复：" + Question(msgId);

    /// <summary>
    /// One message as WeChat's servers deliver it: up to three attempts with the same MsgId, each abandoned after 5 s;
    /// a 503 is tried again half a second later. True once an attempt got the passive "accepted" reply.
    /// </summary>
    private static async Task<bool> SendAsWeChatAsync(WeChatClient weChat, string openId, long msgId, Traffic stats)
    {
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            if (attempt == 2)
            {
                Interlocked.Increment(ref stats.Retried);
            }

            var started = Stopwatch.StartNew();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(WeChatTimeout);
            try
            {
                using var response = await weChat.Http.PostAsync(
                    new Uri("/wechat?" + weChat.SignedQuery(), UriKind.Relative),
                    new StringContent(WeChatClient.Text(openId, msgId, Question(msgId)), Encoding.UTF8, "text/xml"),
                    timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                stats.Record(started.Elapsed);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));
                    return true;
                }

                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {body}");
                Interlocked.Increment(ref stats.Unavailable);
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                stats.Record(started.Elapsed);
                Interlocked.Increment(ref stats.TimedOut);
            }
        }

        return false;
    }

    /// <summary>What WeChat's side saw, counted across the concurrent senders.</summary>
    private sealed class Traffic
    {
        public int Retried;
        public int Unavailable;
        public int TimedOut;
        private long _maxLatencyTicks;

        public TimeSpan MaxLatency => TimeSpan.FromTicks(Interlocked.Read(ref _maxLatencyTicks));

        public void Record(TimeSpan latency)
        {
            var ticks = latency.Ticks;
            var max = Interlocked.Read(ref _maxLatencyTicks);
            while (ticks > max && Interlocked.CompareExchange(ref _maxLatencyTicks, ticks, max) is var seen && seen != max)
            {
                max = seen;
            }
        }
    }

    /// <summary>This class's own cluster as the harness's Redis (the shared collection cluster must not lose a master).</summary>
    private sealed class OwnCluster(RedisCluster cluster) : IRedisSource, ITestRedis
    {
        public string ConnectionString => cluster.ConnectionString;

        public Task<ITestRedis> StartAsync() => Task.FromResult<ITestRedis>(this);

        public ValueTask DisposeAsync() => cluster.DisposeAsync();
    }
}
