using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Knowledge;

internal sealed record Found(long SourceId, long ChunkId, string Title, string? Heading, string Text, double Score);

/// <summary>
/// A worker and one or two API replicas sharing the harness's Redis and database: the operator's admin API, the
/// webhook (plaintext mode) for users' questions, the worker's settings as a test gives them.
/// </summary>
internal sealed class KnowledgeApp : IAsyncDisposable
{
    public const string AdminKey = "knowledge-admin-key-0123456789";
    private const string Token = "knowledge-test-token";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly ServiceProcess? _b;
    private long _msgId = 1000;

    private KnowledgeApp(WorkerHarness harness, ServiceProcess a, ServiceProcess? b)
    {
        Harness = harness;
        A = a;
        _b = b;
    }

    public WorkerHarness Harness { get; }

    public ServiceProcess A { get; }

    public ServiceProcess B => _b ?? throw new InvalidOperationException("Started with one replica.");

    /// <param name="worker">The worker's settings besides the harness's (<c>Knowledge__Mode</c>, …).</param>
    public static async Task<KnowledgeApp> StartAsync(PostgresServer postgres, int replicas = 2, IDictionary<string, string?>? worker = null)
    {
        var harness = await WorkerHarness.StartAsync(postgres);
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = harness.Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = harness.Database,
            ["WeChat__AppId"] = WorkerHarness.AppId,
            ["WeChat__Token"] = Token,
            ["Admin__ApiKey"] = AdminKey,
        };
        var started = await Task.WhenAll(
            [harness.StartWorkerAsync(worker), .. Enumerable.Range(0, replicas).Select(_ => ServiceProcess.StartAsync("WeChatAi.Api", environment))]);
        return new KnowledgeApp(harness, started[1], replicas > 1 ? started[2] : null);
    }

    public WeChatDbContext Db() =>
        new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(Harness.Database + ";Pooling=false").Options);

    /// <summary>Adds a source through replica A; returns its id (answered 202, queued).</summary>
    public async Task<long> AddAsync(object body)
    {
        var (status, answer) = await AdminAsync(HttpMethod.Post, "/api/admin/knowledge/sources", Json(body));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("queued", answer.GetProperty("state").GetString());
        return answer.GetProperty("id").GetInt64();
    }

    public async Task<JsonElement> WaitForStateAsync(long id, string state)
    {
        var source = default(JsonElement);
        await WaitUntilAsync(async () =>
        {
            source = (await AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{id}")).Body;
            return source.GetProperty("state").GetString() == state;
        }, $"source {id} {state}");
        return source;
    }

    /// <summary>Waits until <paramref name="replica"/> loaded <paramref name="count"/> passages (it checks every second).</summary>
    public Task WaitForPassagesAsync(ServiceProcess replica, int count) =>
        Harness.WaitUntilAsync(() => replica.Output.Contains($"Loaded {count} knowledge passages", StringComparison.Ordinal), $"the replica loads {count} passages", TimeSpan.FromSeconds(10));

    public static async Task<List<Found>> SearchAsync(ServiceProcess replica, string query, int top = 5)
    {
        var (status, body) = await AdminApi.SendAsync(replica.Client, HttpMethod.Post, "/api/admin/knowledge/search", Headers, Json(new { query, top }));
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("results").Deserialize<List<Found>>(Web)!;
    }

    /// <summary>A user's text message through replica A's webhook; returns the answer the worker pushed (one message).</summary>
    public async Task<string> AskAsync(string openId, string question)
    {
        var msgId = Interlocked.Increment(ref _msgId);
        var before = Harness.WeChat.MessagesTo(openId).Count;
        var (status, _) = await WeChatClient.SendAsync(new WeChatClient(A.Client, Token).PostPlainAsync(WeChatClient.Text(openId, msgId, question)));
        Assert.Equal(HttpStatusCode.OK, status);
        await Harness.WaitUntilAsync(() => Harness.WeChat.MessagesTo(openId).Count > before, $"the answer to message {msgId}", TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken); // a second part would follow at once
        var pushed = Harness.WeChat.MessagesTo(openId);
        Assert.Equal(before + 1, pushed.Count);
        return pushed[^1];
    }

    /// <summary>Waits until the worker <paramref name="worker"/> loaded <paramref name="count"/> passages (it checks every second).</summary>
    public Task WaitForWorkerPassagesAsync(ServiceProcess worker, int count) =>
        Harness.WaitUntilAsync(() => worker.Output.Contains($"Loaded {count} knowledge passages", StringComparison.Ordinal), $"the worker loads {count} passages", TimeSpan.FromSeconds(10));

    public Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Harness.WaitUntilAsync(condition, what, timeout ?? TimeSpan.FromSeconds(10));

    /// <summary>An operator's request to replica A.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? json = null) =>
        AdminApi.SendAsync(A.Client, method, path, Headers, json);

    public static string Json(object value) => JsonSerializer.Serialize(value);

    public static Dictionary<string, string> Headers => new() { ["X-Admin-Key"] = AdminKey };

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        await Harness.DisposeAsync();
    }
}
