using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Admin;

/// <summary>
/// What the console's data endpoints need, all real: two API replicas and a worker on one Redis and one migrated
/// PostgreSQL database, with the fakes of the LLM and of WeChat's API; the tests play WeChat's servers and the operator.
/// </summary>
public sealed class ConsoleApp(PostgresServer postgres) : IAsyncLifetime
{
    public const string Token = "console-test-token";
    public const string AdminKey = "console-admin-key-0123456789";
    public const string Operator = "ops-wang";
    public const string AckText = "正在思考中...";
    public const string BlockedText = "你的账号已被限制使用本服务，如有疑问请联系客服。";

    private static long _msgId = 70_000;
    private readonly List<ServiceProcess> _apis = [];

    internal WorkerHarness Harness { get; private set; } = null!;

    internal IReadOnlyList<ServiceProcess> Apis => _apis;

    public async ValueTask InitializeAsync()
    {
        Harness = await WorkerHarness.StartAsync(postgres);
        await Harness.StartWorkerAsync();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = Harness.Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = Harness.Database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = WorkerHarness.AppId,
            ["WeChat__AppSecret"] = "test-secret",
            ["WeChat__ApiBaseUrl"] = Harness.WeChat.BaseAddress.ToString(),
            ["WeChat__AckMode"] = "text",
            ["Admin__ApiKey"] = AdminKey,
            ["RateLimits__PerUserPerMinute"] = "1000",
            ["RateLimits__PerUserBurst"] = "100",
        };
        _apis.AddRange(await Task.WhenAll(ServiceProcess.StartAsync("WeChatAi.Api", environment), ServiceProcess.StartAsync("WeChatAi.Api", environment)));
    }

    /// <summary>An operator's request to a replica, signed in as <see cref="Operator"/>.</summary>
    internal Task<(HttpStatusCode Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? json = null, int replica = 0) =>
        AdminApi.SendWithinRateAsync(_apis[replica].Client, method, path, new Dictionary<string, string> { ["X-Admin-Key"] = AdminKey, ["X-Admin-Operator"] = Operator }, json);

    internal Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, int replica = 0) => AdminAsync(HttpMethod.Get, path, replica: replica);

    /// <summary>A text message as WeChat pushes it (plaintext mode); returns the passive reply's text.</summary>
    internal async Task<string> SendAsync(int replica, string openId, string content)
    {
        var (status, body) = await WeChatClient.SendAsync(new WeChatClient(_apis[replica].Client, Token)
            .PostPlainAsync(WeChatClient.Text(openId, Interlocked.Increment(ref _msgId), content)));
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return WeChatClient.ReplyContent(body);
    }

    /// <summary>Asks a question and waits until its answer is pushed and its exchange recorded (so the user exists).</summary>
    internal async Task AskAndWaitAsync(string openId, string question)
    {
        var pushed = Harness.WeChat.MessagesTo(openId).Count;
        var recorded = await ExchangeCountAsync(openId);
        Assert.Equal(AckText, await SendAsync(0, openId, question));
        await Harness.WaitUntilAsync(() => Harness.WeChat.MessagesTo(openId).Count > pushed, $"the answer to {openId}");
        await Harness.WaitUntilAsync(async () => await ExchangeCountAsync(openId) > recorded, $"the exchange of {openId} recorded");
    }

    internal WeChatDbContext Db() => new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(Harness.Database).Options);

    internal async Task<List<AdminAuditEntry>> AuditAsync(string target)
    {
        await using var db = Db();
        return await db.AdminAudit.AsNoTracking().Where(a => a.Target == target).OrderBy(a => a.Id).ToListAsync();
    }

    private async Task<int> ExchangeCountAsync(string openId)
    {
        await using var db = Db();
        return await db.Exchanges.CountAsync(e => e.OpenId == openId);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }

        if (Harness is not null)
        {
            await Harness.DisposeAsync();
        }
    }
}
