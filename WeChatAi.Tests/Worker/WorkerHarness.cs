using System.Globalization;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>
/// Everything a worker test needs around the real worker process: a real Redis, a migrated PostgreSQL database and
/// in-test fakes of the LLM and of WeChat's API.
/// </summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    public const string AppId = "wxtestapp";
    private readonly List<ServiceProcess> _workers = [];
    private long _msgId = 1_000;

    private WorkerHarness(ITestRedis redis, ConnectionMultiplexer connection, FakeLlmServer llm, FakeWeChatServer weChat, string database)
    {
        Redis = redis;
        Connection = connection;
        Llm = llm;
        WeChat = weChat;
        Database = database;
    }

    public ITestRedis Redis { get; }

    public ConnectionMultiplexer Connection { get; }

    public IDatabase Db => Connection.GetDatabase();

    public FakeLlmServer Llm { get; }

    public FakeWeChatServer WeChat { get; }

    public string Database { get; }

    public IReadOnlyList<ServiceProcess> Workers => _workers;

    /// <summary>Starts the fakes around a Redis from <paramref name="redis"/>: a fresh single server unless the test class runs on the cluster.</summary>
    public static async Task<WorkerHarness> StartAsync(PostgresServer postgres, IRedisSource? redis = null)
    {
        var store = await (redis ?? SingleRedis.Source).StartAsync();
        var connection = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString);
        return new WorkerHarness(store, connection, await FakeLlmServer.StartAsync(), await FakeWeChatServer.StartAsync(), await postgres.CreateMigratedDatabaseAsync());
    }

    public Dictionary<string, string?> Environment(IDictionary<string, string?>? overrides = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = Database,
            ["Llm__BaseUrl"] = Llm.BaseAddress.ToString(),
            ["Llm__ApiKey"] = "test-key",
            ["Llm__RetryBaseDelayMs"] = "50",
            ["Llm__TimeoutSeconds"] = "60",
            ["WeChat__ApiBaseUrl"] = WeChat.BaseAddress.ToString(),
            ["WeChat__AppId"] = AppId,
            ["WeChat__AppSecret"] = "test-secret",

            // Tests of other features compare answers as the LLM gave them; the label has its own tests (null: the default).
            ["Compliance__AiLabel"] = string.Empty,
            ["Worker__ClaimIdleSeconds"] = "2",
            ["Worker__RetryBaseDelayMs"] = "100",
            ["Worker__RetryMaxDelayMs"] = "500",
            ["Recording__FlushIntervalMs"] = "200",

            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__System.Net.Http"] = "Warning",
            ["Logging__LogLevel__Polly"] = "Warning",
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>
    /// The fake WeChat serves PicUrls on 127.0.0.1: the outbound guard's development escape hatch, which the worker
    /// announces with a warning (so only the tests that fetch a PicUrl open it; Security/ tests the default).
    /// </summary>
    public static Dictionary<string, string?> LocalPicUrls(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? [])
        {
            ["Media__AllowedImageHosts"] = "127.0.0.1",
            ["Media__AllowPrivateAddresses"] = "true",
        };
        return settings;
    }

    public async Task<ServiceProcess> StartWorkerAsync(IDictionary<string, string?>? overrides = null)
    {
        var worker = await ServiceProcess.StartAsync("WeChatAi.Worker", Environment(overrides));
        _workers.Add(worker);
        return worker;
    }

    public async Task<AiJob> EnqueueAsync(string openId, string content, JobMedia? media = null)
    {
        var msgId = Interlocked.Increment(ref _msgId);
        var job = new AiJob(AppId, openId, msgId, content,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null, media);
        await Db.StreamAddAsync(TestShards.JobStream(job.OpenId), job.ToStreamEntry());
        return job;
    }

    public Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => WaitUntilAsync(condition, () => what, timeout);

    /// <param name="what">What was awaited, written when it timed out (how far it got, for one).</param>
    public async Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what()}.\n{WorkerOutput()}");
            }

            await Task.Delay(50);
        }
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.\n{WorkerOutput()}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<List<ChatExchange>> ExchangesAsync()
    {
        // Unpooled: a pooled connection would be dead after a test restarts PostgreSQL.
        await using var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(Database + ";Pooling=false").Options);
        return await db.Exchanges.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    public async Task<List<SafetyDecision>> SafetyDecisionsAsync()
    {
        await using var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(Database + ";Pooling=false").Options);
        return await db.SafetyDecisions.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
    }

    /// <summary>Waits until <paramref name="count"/> jobs are finished (recorded after they were acknowledged).</summary>
    public Task WaitForExchangesAsync(int count) =>
        WaitUntilAsync(async () => (await ExchangesAsync()).Count >= count, $"{count} exchange(s) in PostgreSQL");

    public async Task<long> PendingInGroupAsync()
    {
        var pending = await Task.WhenAll(TestShards.Default.All.Select(s => Db.StreamPendingAsync(QueueKeys.JobStream(s), QueueKeys.ConsumerGroup)));
        return pending.Sum(p => p.PendingMessageCount);
    }

    public string WorkerOutput() =>
        string.Join("\n----\n", _workers.Select((w, i) => $"worker {i.ToString(CultureInfo.InvariantCulture)}:\n{w.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await Llm.DisposeAsync();
        await WeChat.DisposeAsync();
        await Connection.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
