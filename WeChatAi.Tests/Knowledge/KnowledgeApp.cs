using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Knowledge;

/// <summary>A search result; each ranking's rank and score are null where it did not find the passage or did not run.</summary>
internal sealed record Found(long SourceId, long ChunkId, string Title, string? Heading, string Text, double Score)
{
    public int? KeywordRank { get; init; }

    public double? KeywordScore { get; init; }

    public int? VectorRank { get; init; }

    public double? VectorScore { get; init; }

    public int? FusedRank { get; init; }

    public double? FusedScore { get; init; }
}

/// <summary>
/// A worker and one or two API replicas sharing the harness's Redis and database: the operator's admin API, the
/// webhook (plaintext mode) for users' questions, the worker's and the API's settings as a test gives them.
/// </summary>
internal sealed class KnowledgeApp : IAsyncDisposable
{
    public const string AdminKey = "knowledge-admin-key-0123456789";
    private const string Token = "knowledge-test-token";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly List<ServiceProcess> _replicas = [];
    private long _msgId = 1000;

    private KnowledgeApp(WorkerHarness harness)
    {
        Harness = harness;
    }

    public WorkerHarness Harness { get; }

    public ServiceProcess A => _replicas[0];

    public ServiceProcess B => _replicas.Count > 1 ? _replicas[1] : throw new InvalidOperationException("Started with one replica.");

    /// <summary>The worker started with the app.</summary>
    public ServiceProcess Worker { get; private set; } = null!;

    /// <param name="worker">The worker's settings besides the harness's (<c>Knowledge__Mode</c>, …).</param>
    /// <param name="api">The API replicas' settings besides the stores, the account and the admin key.</param>
    public static async Task<KnowledgeApp> StartAsync(
        PostgresServer postgres, int replicas = 2, IDictionary<string, string?>? worker = null, IDictionary<string, string?>? api = null)
    {
        var app = new KnowledgeApp(await WorkerHarness.StartAsync(postgres));
        var started = await Task.WhenAll([app.Harness.StartWorkerAsync(worker), .. Enumerable.Range(0, replicas).Select(_ => ServiceProcess.StartAsync("WeChatAi.Api", app.ApiEnvironment(api)))]);
        app.Worker = started[0];
        app._replicas.AddRange(started[1..]);
        return app;
    }

    /// <summary>Another API replica (disposed with the app), with its own settings.</summary>
    public async Task<ServiceProcess> StartApiAsync(IDictionary<string, string?>? api = null)
    {
        var replica = await ServiceProcess.StartAsync("WeChatAi.Api", ApiEnvironment(api));
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>The stores, the account and the admin key, then the test's settings (which may name another account).</summary>
    private Dictionary<string, string?> ApiEnvironment(IDictionary<string, string?>? api)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = Harness.Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = Harness.Database,
            ["WeChat__AppId"] = WorkerHarness.AppId,
            ["WeChat__Token"] = Token,
            ["Admin__ApiKey"] = AdminKey,
        };
        foreach (var (key, value) in api ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return environment;
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

    public Task<JsonElement> WaitForStateAsync(long id, string state, TimeSpan? timeout = null) =>
        WaitForAsync(id, s => s.GetProperty("state").GetString() == state, state, timeout);

    /// <summary>Waits until source <paramref name="id"/> (read through replica A) meets <paramref name="condition"/>; returns it.</summary>
    public async Task<JsonElement> WaitForAsync(long id, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null)
    {
        var source = default(JsonElement);
        await WaitUntilAsync(async () => condition(source = await GetSourceAsync(id)), $"source {id} {what}", timeout);
        return source;
    }

    /// <summary>Source <paramref name="id"/> as replica A answers it.</summary>
    public async Task<JsonElement> GetSourceAsync(long id) => (await AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{id}")).Body;

    /// <summary>The best passage replica A finds for <paramref name="query"/>, once it is <paramref name="sourceId"/>'s (and has <paramref name="text"/>, if given).</summary>
    public async Task<Found> WaitForFirstAsync(string query, long sourceId, string? text = null, TimeSpan? timeout = null)
    {
        Found? best = null;
        await WaitUntilAsync(async () => (best = (await SearchAsync(A, query)).FirstOrDefault()) is { } found && found.SourceId == sourceId && (text is null || found.Text == text),
            $"'{query}' finding source {sourceId}", timeout);
        return best!;
    }

    /// <summary>Waits until <paramref name="replica"/> loaded <paramref name="count"/> passages (it checks every second).</summary>
    public Task WaitForPassagesAsync(ServiceProcess replica, int count) =>
        Harness.WaitUntilAsync(() => replica.Output.Contains($"Loaded {count} knowledge passages", StringComparison.Ordinal), $"the replica loads {count} passages", TimeSpan.FromSeconds(10));

    public static async Task<List<Found>> SearchAsync(ServiceProcess replica, string query, int top = 5)
    {
        var (status, body) = await AdminApi.SendWithinRateAsync(replica.Client, HttpMethod.Post, "/api/admin/knowledge/search", Headers, Json(new { query, top }));
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

    /// <summary>An operator's request to replica A (a 429 of the per-address limit waited out).</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? json = null) =>
        AdminApi.SendWithinRateAsync(A.Client, method, path, Headers, json);

    public static string Json(object value) => JsonSerializer.Serialize(value);

    public static Dictionary<string, string> Headers => new() { ["X-Admin-Key"] = AdminKey };

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await Harness.DisposeAsync();
    }
}
