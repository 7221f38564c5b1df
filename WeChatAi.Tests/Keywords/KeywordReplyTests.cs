using System.Net;
using System.Text.Json;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Keywords;

/// <summary>
/// Keyword rules end to end: two API replicas and a worker as real processes, real Redis and PostgreSQL, fakes of the
/// LLM and WeChat's API; the test plays WeChat's servers and the operator.
/// </summary>
public sealed class KeywordReplyTests(PostgresServer postgres)
{
    private const string Token = "keyword-test-token";
    private const string AdminKey = "keyword-admin-key-0123456789";
    // A question's passive reply under WeChat:AckMode typing (the default): empty, the answer is pushed.
    private const string AckText = "success";

    [Fact]
    public async Task Exact_prefix_and_regex_rules_answer_at_once_on_the_other_replica_without_any_job_or_LLM_call()
    {
        await using var app = await KeywordApp.StartAsync(postgres);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateAsync("exact", "价格", "基础版每月 10 元。")).Status);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateAsync("prefix", "订单", "订单问题请留下订单号。")).Status);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateAsync("regex", @"^(营业|开门)时间", "每天 9:00–18:00。")).Status);

        // Written through replica A, answered by replica B.
        await app.WaitForVersionAsync(app.B, 3);
        Assert.Equal("基础版每月 10 元。", await KeywordApp.SendAsync(app.B, "oKeyword", 1, " 价格 "));
        Assert.Equal("订单问题请留下订单号。", await KeywordApp.SendAsync(app.B, "oKeyword", 2, "订单 12345 没到"));
        Assert.Equal("每天 9:00–18:00。", await KeywordApp.SendAsync(app.A, "oKeyword", 3, "开门时间是几点"));
        Assert.Equal(AckText, await KeywordApp.SendAsync(app.B, "oKeyword", 4, "价格贵吗")); // exact means the whole message

        await app.Harness.WaitUntilAsync(() => app.Harness.Llm.Calls == 1, "the one question reaches the LLM");
        Assert.Equal(1, await app.Harness.Db.JobCountAsync());
        await app.Harness.WaitUntilAsync(() => app.Harness.WeChat.MessagesTo("oKeyword").Count == 1, "the question's answer is pushed");
        Assert.Equal(["答复：价格贵吗"], app.Harness.WeChat.MessagesTo("oKeyword"));
    }

    [Fact]
    public async Task A_change_or_a_deletion_through_one_replica_takes_effect_on_the_other_without_a_restart()
    {
        await using var app = await KeywordApp.StartAsync(postgres);
        var created = await app.CreateAsync("exact", "客服", "客服电话 400-000-0000。");
        var id = created.Body.GetProperty("id").GetInt64();
        await app.WaitForVersionAsync(app.B, 1);
        Assert.Equal("客服电话 400-000-0000。", await KeywordApp.SendAsync(app.B, "oChange", 1, "客服"));

        var updated = await app.AdminAsync(HttpMethod.Put, $"/api/admin/keywords/{id}", Rule("exact", "客服", "客服已搬到在线聊天。"));
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        await app.WaitForVersionAsync(app.B, 2);
        Assert.Equal("客服已搬到在线聊天。", await KeywordApp.SendAsync(app.B, "oChange", 2, "客服"));

        var disabled = await app.AdminAsync(HttpMethod.Put, $"/api/admin/keywords/{id}", Rule("exact", "客服", "客服已搬到在线聊天。", enabled: false));
        Assert.Equal(HttpStatusCode.OK, disabled.Status);
        await app.WaitForVersionAsync(app.B, 3);
        Assert.Equal(AckText, await KeywordApp.SendAsync(app.B, "oChange", 3, "客服"));

        Assert.Equal(HttpStatusCode.NoContent, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/keywords/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/keywords/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminAsync(HttpMethod.Put, $"/api/admin/keywords/{id}", Rule("exact", "x", "y"))).Status);
        var list = await app.AdminAsync(HttpMethod.Get, "/api/admin/keywords");
        Assert.Equal(0, list.Body.GetArrayLength());
    }

    [Fact]
    public async Task A_catastrophic_pattern_cannot_hang_the_webhook_and_unsupported_or_invalid_rules_are_refused_naming_the_problem()
    {
        await using var app = await KeywordApp.StartAsync(postgres);

        // Exponential for a backtracking engine on a long run of 'a' ending in '!'; linear here.
        Assert.Equal(HttpStatusCode.Created, (await app.CreateAsync("regex", "^(a+)+$", "全是 a")).Status);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateAsync("exact", "你好", "你好！有什么可以帮你？")).Status);
        await app.WaitForVersionAsync(app.B, 2);
        Assert.Equal("你好！有什么可以帮你？", await KeywordApp.SendAsync(app.B, "oRegex", 1, "你好"));
        Assert.Equal(AckText, await KeywordApp.SendAsync(app.B, "oRegex", 2, new string('a', 5000) + "!"));
        Assert.Equal("全是 a", await KeywordApp.SendAsync(app.B, "oRegex", 3, new string('a', 5000)));

        var backreference = await app.CreateAsync("regex", @"(\w)\1", "重复");
        Assert.Equal(HttpStatusCode.BadRequest, backreference.Status);
        Assert.Contains("pattern", Detail(backreference.Body), StringComparison.Ordinal);
        Assert.Contains("backreferences", Detail(backreference.Body), StringComparison.Ordinal);

        var invalid = await app.CreateAsync("regex", "([a-z", "坏");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Contains("not a valid regular expression", Detail(invalid.Body), StringComparison.Ordinal);

        Assert.Contains("matchType", Detail((await app.CreateAsync("fuzzy", "x", "y")).Body), StringComparison.Ordinal);
        Assert.Contains("pattern", Detail((await app.CreateAsync("exact", "  ", "y")).Body), StringComparison.Ordinal);
        Assert.Contains("reply", Detail((await app.CreateAsync("exact", "长", new string('长', 700))).Body), StringComparison.Ordinal);
        var malformed = await app.AdminAsync(HttpMethod.Post, "/api/admin/keywords", "{\"matchType\":");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);

        var duplicate = await app.CreateAsync("exact", "你好", "另一个回复");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Contains("exists already", Detail(duplicate.Body), StringComparison.Ordinal);

        Assert.Equal(2, (await app.AdminAsync(HttpMethod.Get, "/api/admin/keywords")).Body.GetArrayLength());
        await app.Harness.WaitUntilAsync(() => app.Harness.Llm.Calls == 1, "the message the rule did not match reaches the LLM");
    }

    private static string Rule(string matchType, string pattern, string reply, bool enabled = true, int priority = 0) =>
        JsonSerializer.Serialize(new { matchType, pattern, reply, enabled, priority });

    private static string Detail(JsonElement body) => body.GetProperty("detail").GetString()!;

    /// <summary>A worker and two API replicas sharing the harness's Redis, database and fakes.</summary>
    private sealed class KeywordApp : IAsyncDisposable
    {
        private KeywordApp(WorkerHarness harness, ServiceProcess a, ServiceProcess b)
        {
            Harness = harness;
            A = a;
            B = b;
        }

        public WorkerHarness Harness { get; }

        public ServiceProcess A { get; }

        public ServiceProcess B { get; }

        public static async Task<KeywordApp> StartAsync(PostgresServer postgres)
        {
            var harness = await WorkerHarness.StartAsync(postgres);
            await harness.StartWorkerAsync();
            var environment = new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = harness.Redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = harness.Database,
                ["WeChat__Token"] = Token,
                ["WeChat__AppId"] = WorkerHarness.AppId,
                ["Admin__ApiKey"] = AdminKey,
            };
            var replicas = await Task.WhenAll(ServiceProcess.StartAsync("WeChatAi.Api", environment), ServiceProcess.StartAsync("WeChatAi.Api", environment));
            return new KeywordApp(harness, replicas[0], replicas[1]);
        }

        public Task<(HttpStatusCode Status, JsonElement Body)> CreateAsync(string matchType, string pattern, string reply) =>
            AdminAsync(HttpMethod.Post, "/api/admin/keywords", Rule(matchType, pattern, reply));

        /// <summary>An operator's request to replica A.</summary>
        public Task<(HttpStatusCode Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? json = null) =>
            AdminApi.SendAsync(A.Client, method, path, new Dictionary<string, string> { ["X-Admin-Key"] = AdminKey }, json);

        /// <summary>A text message as WeChat pushes it (plaintext mode); returns the passive reply's text.</summary>
        public static async Task<string> SendAsync(ServiceProcess replica, string openId, long msgId, string content)
        {
            var (status, body) = await WeChatClient.SendAsync(new WeChatClient(replica.Client, Token).PostPlainAsync(WeChatClient.Text(openId, msgId, content)));
            Assert.Equal(HttpStatusCode.OK, status);
            return WeChatClient.ReplyContent(body);
        }

        /// <summary>
        /// Waits until <paramref name="replica"/> loaded the rules at <paramref name="version"/> (the count of changes so
        /// far): it checks every second, and the test allows ten. Messages sent meanwhile would become LLM jobs.
        /// </summary>
        public async Task WaitForVersionAsync(ServiceProcess replica, int version) =>
            await Harness.WaitUntilAsync(
                () => replica.Output.Contains($"(version {version}).", StringComparison.Ordinal), $"the replica loads keyword version {version}", TimeSpan.FromSeconds(10));

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }
}
