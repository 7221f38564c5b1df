using System.Net;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Webhook;

/// <summary>Stopping the API (SIGTERM, as the AppHost and container platforms do) while requests wait in Redis.</summary>
public sealed class ApiShutdownTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Token = "shutdown-token";
    private const int Requests = 50;
    private RedisServer _redis = null!;
    private ServiceProcess _api = null!;
    private ConnectionMultiplexer _connection = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = "wxshutdown0000000",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_stopped_api_answers_its_in_flight_requests_exits_0_and_logs_no_warning()
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Requests }) { BaseAddress = _api.BaseAddress };
        var weChat = new WeChatClient(http, Token);
        Assert.Equal(HttpStatusCode.OK, (await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-warm", 1, "热身")))).Status);

        // Redis holds every script call for 2 s, so the stop finds all the requests mid-batch.
        await _connection.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "2000", "WRITE");
        var requests = Enumerable.Range(0, Requests).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text($"o-stop-{i}", 100 + i, "停机")))).Status;
            }
            catch (HttpRequestException)
            {
                return (HttpStatusCode?)null;
            }
        })).ToArray();
        await Task.Delay(700, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(requests, r => r.IsCompleted);

        var exitCode = await _api.StopAsync(TimeSpan.FromSeconds(30));
        var statuses = await Task.WhenAll(requests);

        Assert.Equal(0, exitCode);
        var warnings = LogLines.WarningsAndErrors(_api.Output);
        Assert.True(warnings.Count == 0, string.Join('\n', warnings));
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));

        // A 200 promises WeChat the message is taken: each one's job must be on the stream.
        var jobs = (await _connection.GetDatabase().JobEntriesAsync()).Select(e => AiJob.FromStreamEntry(e).OpenId).ToHashSet();
        Assert.All(Enumerable.Range(0, Requests), i => Assert.Contains($"o-stop-{i}", jobs));
    }
}
