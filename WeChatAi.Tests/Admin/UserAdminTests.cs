using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Worker;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Api.Admission;

namespace WeChatAi.Tests.Admin;

/// <summary>
/// The console's users: search, a user's exchanges, block (enforced by the webhook on both replicas), reset memory,
/// grants and nicknames, each change audited with the operator, over HTTP to the real API and worker processes.
/// </summary>
public sealed class UserAdminTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private const string App = WorkerHarness.AppId;

    [Fact]
    public async Task The_search_finds_users_by_openid_prefix_nickname_question_and_answer_and_pages_newest_first()
    {
        await app.AskAndWaitAsync("oSearchAlpha1", "明天北京天气怎么样");
        await app.AskAndWaitAsync("oSearchAlpha2", "推荐一本小说");
        await app.AskAndWaitAsync("oSearchBeta", "Kubernetes rollout strategy");
        var named = await app.AdminAsync(HttpMethod.Put, "/api/admin/users/oSearchBeta/nickname", """{"nickname":"  老客户张三 "}""");
        Assert.Equal(HttpStatusCode.OK, named.Status);
        Assert.Equal("老客户张三", named.Body.GetProperty("nickname").GetString());

        Assert.Equal(["oSearchAlpha2", "oSearchAlpha1"], await OpenIdsAsync("oSearchAlpha"));
        Assert.Equal(["oSearchAlpha1"], await OpenIdsAsync("oSearchAlpha1"));
        Assert.Equal(["oSearchBeta"], await OpenIdsAsync("客户张"));
        Assert.Equal(["oSearchAlpha1"], await OpenIdsAsync("北京天气"));
        Assert.Equal(["oSearchBeta"], await OpenIdsAsync("kubernetes ROLLOUT")); // case-insensitive
        Assert.Equal(["oSearchAlpha2"], await OpenIdsAsync("答复：推荐")); // the fake LLM's answer
        Assert.Equal(["oSearchAlpha2"], await OpenIdsAsync("小说")); // two characters: the newest exchanges
        Assert.Empty(await OpenIdsAsync("oSearch%"));
        Assert.Empty(await OpenIdsAsync("没有人问过这个"));

        var first = await app.GetAsync("/api/admin/users?q=oSearchAlpha&count=1");
        var item = Assert.Single(first.Body.GetProperty("items").EnumerateArray());
        Assert.Equal(("oSearchAlpha2", 1, "推荐一本小说", true, false), (item.GetProperty("openId").GetString(), item.GetProperty("exchanges").GetInt32(),
            item.GetProperty("lastQuestion").GetString(), item.GetProperty("subscribed").GetBoolean(), item.GetProperty("blocked").GetBoolean()));
        var before = first.Body.GetProperty("nextBefore").GetString();
        var second = await app.GetAsync($"/api/admin/users?q=oSearchAlpha&count=1&before={Uri.EscapeDataString(before!)}");
        Assert.Equal("oSearchAlpha1", Assert.Single(second.Body.GetProperty("items").EnumerateArray()).GetProperty("openId").GetString());
        Assert.Equal(JsonValueKind.Null, second.Body.GetProperty("nextBefore").ValueKind);

        var audit = Assert.Single(await app.AuditAsync("oSearchBeta"));
        Assert.Equal(("user.nickname", ConsoleApp.Operator), (audit.Action, audit.Actor));
        Assert.Contains("老客户张三", JsonDocument.Parse(audit.Detail!).RootElement.GetProperty("to").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_exchange_says_what_kind_of_message_it_was_and_what_it_cost()
    {
        const string user = "oKindsView";
        await using (var db = app.Db())
        {
            db.Users.Add(new WeChatUser { AppId = App, OpenId = user, Subscribed = true, FirstSeenAt = DateTimeOffset.UtcNow, LastSeenAt = DateTimeOffset.UtcNow });
            (long MsgId, string? Media, string? Charge)[] rows = [(1, null, "f:20261207"), (2, "image", "c"), (3, "voice", null), (-4, null, null)];
            foreach (var (msgId, media, charge) in rows)
            {
                db.Exchanges.Add(new ChatExchange
                {
                    JobId = $"{App}:{user}:{msgId}", AppId = App, OpenId = user, Question = $"问题{msgId}", Answer = "回答", ReceivedAt = DateTimeOffset.UtcNow,
                    Outcome = ExchangeOutcome.Answered, Attempts = 1, Media = media, Charge = charge,
                });
                await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            }
        }

        var page = await app.GetAsync($"/api/admin/users/{user}/exchanges");
        var items = page.Body.GetProperty("items").EnumerateArray().Reverse().ToList();
        Assert.Equal(["text", "image", "voice", "notice"], items.Select(i => i.GetProperty("kind").GetString()));
        Assert.Equal(["free", "credit", null, null], items.Select(i => i.GetProperty("charge").GetString()));
    }

    [Fact]
    public async Task A_users_exchanges_come_newest_first_with_their_safety_decisions()
    {
        const string user = "oSafetyView";
        await using (var db = app.Db())
        {
            db.Users.Add(new WeChatUser { AppId = App, OpenId = user, Subscribed = true, FirstSeenAt = DateTimeOffset.UtcNow, LastSeenAt = DateTimeOffset.UtcNow });
            for (var i = 0; i < 3; i++)
            {
                var exchange = new ChatExchange
                {
                    JobId = $"{App}:{user}:{i}", AppId = App, OpenId = user, Question = $"问题{i}", Answer = $"回答{i}", ReceivedAt = DateTimeOffset.UtcNow,
                    AnsweredAt = DateTimeOffset.UtcNow, LatencyMs = 1200, Attempts = 1, Outcome = ExchangeOutcome.Answered, PromptTokens = 10, CompletionTokens = 20,
                };
                if (i == 1)
                {
                    exchange.Blocked = SafetyDirection.Question;
                    exchange.SafetyDecisions.Add(new SafetyDecision
                    {
                        AppId = App, OpenId = user, Direction = SafetyDirection.Question, Source = SafetySource.WordList, Blocked = true, Rule = "违禁词",
                        SpanStart = 2, SpanLength = 3, Excerpt = "违禁词", DecidedAt = DateTimeOffset.UtcNow,
                    });
                }

                db.Exchanges.Add(exchange);
                await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            }
        }

        var page = await app.GetAsync($"/api/admin/users/{user}/exchanges?count=2");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var items = page.Body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["问题2", "问题1"], items.Select(i => i.GetProperty("question").GetString()));
        Assert.Empty(items[0].GetProperty("safety").EnumerateArray());
        Assert.Equal(("question", "answered"), (items[1].GetProperty("blocked").GetString(), items[1].GetProperty("outcome").GetString()));
        var decision = Assert.Single(items[1].GetProperty("safety").EnumerateArray());
        Assert.Equal(("question", "wordList", "违禁词", 2, 3), (decision.GetProperty("direction").GetString(), decision.GetProperty("source").GetString(),
            decision.GetProperty("rule").GetString(), decision.GetProperty("span").GetProperty("start").GetInt32(), decision.GetProperty("span").GetProperty("length").GetInt32()));

        var rest = await app.GetAsync($"/api/admin/users/{user}/exchanges?before={page.Body.GetProperty("nextBefore").GetInt64()}");
        Assert.Equal(["问题0"], rest.Body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("question").GetString()));
        Assert.Equal(JsonValueKind.Null, rest.Body.GetProperty("nextBefore").ValueKind);
    }

    [Fact]
    public async Task A_blocked_user_gets_the_blocked_text_on_both_replicas_with_no_job_or_charge_and_unblocking_restores_answers()
    {
        const string user = "oBlocked";
        await app.AskAndWaitAsync(user, "第一个问题");
        var freeKey = BillingKeys.FreeUsed(TestShards.Of(user), App, user, BillingDay.Of(DateTimeOffset.UtcNow));
        var freeUsed = (long)await app.Harness.Db.StringGetAsync(freeKey);

        var blocked = await app.AdminAsync(HttpMethod.Post, $"/api/admin/users/{user}/block", """{"reason":"辱骂客服"}""", replica: 0);
        Assert.Equal(HttpStatusCode.OK, blocked.Status);
        Assert.Equal((true, "辱骂客服"), (blocked.Body.GetProperty("blocked").GetBoolean(), blocked.Body.GetProperty("blockedReason").GetString()));
        Assert.NotEqual(JsonValueKind.Null, blocked.Body.GetProperty("blockedAt").ValueKind);

        Assert.Equal(ConsoleApp.BlockedText, await app.SendAsync(1, user, "还能回答吗"));
        Assert.Equal(ConsoleApp.BlockedText, await app.SendAsync(0, user, "再问一次"));
        Assert.Equal(ConsoleApp.BlockedText, await app.SendAsync(1, user, "帮助")); // commands too
        Assert.Equal(ConsoleApp.BlockedText, await app.SendAsync(0, user, "/reset"));
        await app.AskAndWaitAsync("oNotBlocked", "别人不受影响");
        Assert.Equal(freeUsed, (long)await app.Harness.Db.StringGetAsync(freeKey));
        var listed = Assert.Single((await app.GetAsync($"/api/admin/users?q={user}")).Body.GetProperty("items").EnumerateArray());
        Assert.Equal((true, "辱骂客服"), (listed.GetProperty("blocked").GetBoolean(), listed.GetProperty("blockedReason").GetString()));

        var unblocked = await app.AdminAsync(HttpMethod.Post, $"/api/admin/users/{user}/unblock", replica: 1);
        Assert.Equal(HttpStatusCode.OK, unblocked.Status);
        Assert.False(unblocked.Body.GetProperty("blocked").GetBoolean());
        Assert.Equal(ConsoleApp.AckText, await app.SendAsync(0, user, "现在可以了吗"));
        Assert.Equal(ConsoleApp.AckText, await app.SendAsync(1, user, "另一台也可以吗"));
        await app.Harness.WaitUntilAsync(() => app.Harness.WeChat.MessagesTo(user).Count == 3, "the answers after unblocking");
        Assert.Equal(["答复：第一个问题", "答复：现在可以了吗", "答复：另一台也可以吗"], app.Harness.WeChat.MessagesTo(user));
        string[] refused = ["还能回答吗", "再问一次", "帮助", "/reset"];
        Assert.DoesNotContain(app.Harness.Llm.Requests, r => r.Any(m => refused.Contains(m.Content)));

        await app.Harness.WaitUntilAsync(async () => (await app.Harness.ExchangesAsync()).Count(e => e.OpenId == user) >= 3, "the exchanges after unblocking recorded");
        await using (var db = app.Db())
        {
            var row = await db.Users.AsNoTracking().SingleAsync(u => u.OpenId == user, TestContext.Current.CancellationToken);
            Assert.Equal((false, (string?)null), (row.Blocked, row.BlockedReason));
            Assert.Equal(3, await db.Exchanges.CountAsync(e => e.OpenId == user, TestContext.Current.CancellationToken)); // nothing of the refused messages
        }

        var audit = await app.AuditAsync(user);
        Assert.Equal([("user.block", ConsoleApp.Operator), ("user.unblock", ConsoleApp.Operator)], audit.Select(a => (a.Action, a.Actor)));
        Assert.Equal("辱骂客服", JsonDocument.Parse(audit[0].Detail!).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Resetting_the_memory_makes_the_next_answer_go_without_the_earlier_turns()
    {
        const string user = "oMemory";
        await app.AskAndWaitAsync(user, "我叫小明");
        await app.AskAndWaitAsync(user, "我叫什么");
        Assert.Contains("我叫小明", UserTurns(LastRequestWith("我叫什么")));

        var reset = await app.AdminAsync(HttpMethod.Post, $"/api/admin/users/{user}/reset-memory", replica: 1);
        Assert.Equal(HttpStatusCode.NoContent, reset.Status);
        await app.AskAndWaitAsync(user, "还记得我吗");

        Assert.Equal(["还记得我吗"], UserTurns(LastRequestWith("还记得我吗")));
        var audit = Assert.Single(await app.AuditAsync(user));
        Assert.Equal(("user.reset-memory", ConsoleApp.Operator), (audit.Action, audit.Actor));
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminAsync(HttpMethod.Post, "/api/admin/users/oNobody/reset-memory")).Status);
    }

    [Fact]
    public async Task A_grant_writes_one_ledger_row_and_the_balance_shows_it_in_the_api_and_in_redis()
    {
        const string user = "oGrant";
        await app.AskAndWaitAsync(user, "额度够吗？");

        // The webhook's loaded balance (as before a first credit use): the grant must be added to it.
        var credits = BillingKeys.Credits(TestShards.Of(user), App, user);
        await app.Harness.Db.HashSetAsync(credits, [new(BillingKeys.BalanceField, 0), new(BillingKeys.WatermarkField, 0)]);

        var granted = await app.AdminAsync(HttpMethod.Post, $"/api/admin/users/{user}/credits", """{"credits":10,"validityDays":30,"note":"客服补偿"}""");
        Assert.Equal(HttpStatusCode.OK, granted.Status);
        Assert.Equal(10, granted.Body.GetProperty("balance").GetInt32());

        await using (var db = app.Db())
        {
            var row = Assert.Single(await db.CreditLedger.AsNoTracking().Where(e => e.OpenId == user).ToListAsync(TestContext.Current.CancellationToken));
            Assert.Equal((CreditEntryKind.Grant, 10, "客服补偿"), (row.Kind, row.Credits, row.Note));
            Assert.InRange(row.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddDays(29), DateTimeOffset.UtcNow.AddDays(31));
        }

        Assert.Equal(10, (long)await app.Harness.Db.HashGetAsync(credits, BillingKeys.BalanceField));
        var view = await app.GetAsync($"/api/admin/users/{user}", replica: 1);
        Assert.Equal((10, 1), (view.Body.GetProperty("creditBalance").GetInt32(), view.Body.GetProperty("freeUsedToday").GetInt32()));
        Assert.Equal(10, Assert.Single((await app.GetAsync($"/api/admin/users?q={user}")).Body.GetProperty("items").EnumerateArray()).GetProperty("creditBalance").GetInt32());

        var audit = Assert.Single(await app.AuditAsync(user));
        Assert.Equal(("user.credits", ConsoleApp.Operator), (audit.Action, audit.Actor));
        Assert.Equal("10", JsonDocument.Parse(audit.Detail!).RootElement.GetProperty("credits").GetString());
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_an_unknown_openid_is_a_404()
    {
        const string user = "oBadInput";
        await app.AskAndWaitAsync(user, "你好");

        Assert.Contains("reason", await BadRequestAsync(HttpMethod.Post, $"/api/admin/users/{user}/block", $$"""{"reason":"{{new string('长', 201)}}"}"""), StringComparison.Ordinal);
        Assert.Contains("nickname", await BadRequestAsync(HttpMethod.Put, $"/api/admin/users/{user}/nickname", $$"""{"nickname":"{{new string('名', 65)}}"}"""), StringComparison.Ordinal);
        Assert.Contains("JSON", await BadRequestAsync(HttpMethod.Post, $"/api/admin/users/{user}/block", "{reason"), StringComparison.Ordinal);
        Assert.Contains("count", await BadRequestAsync(HttpMethod.Get, "/api/admin/users?count=201"), StringComparison.Ordinal);
        Assert.Contains("before", await BadRequestAsync(HttpMethod.Get, "/api/admin/users?before=yesterday"), StringComparison.Ordinal);
        Assert.Contains("before", await BadRequestAsync(HttpMethod.Get, $"/api/admin/users/{user}/exchanges?before=-1"), StringComparison.Ordinal);
        Assert.Contains("q", await BadRequestAsync(HttpMethod.Get, $"/api/admin/users?q={new string('x', 101)}"), StringComparison.Ordinal);

        foreach (var body in new[] { """{"credits":0}""", """{"credits":100001}""", """{}""" })
        {
            var (status, problem) = await app.AdminAsync(HttpMethod.Post, $"/api/admin/users/{user}/credits", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(problem.GetProperty("errors").TryGetProperty("credits", out _), problem.ToString());
        }

        var several = await app.AdminAsync(HttpMethod.Post, $"/api/admin/users/{user}/credits", $$"""{"credits":5,"validityDays":0,"note":"{{new string('注', 201)}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, several.Status);
        Assert.Equal(["note", "validityDays"], several.Body.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/admin/users/oUnknown"), (HttpMethod.Get, "/api/admin/users/oUnknown/exchanges"),
            (HttpMethod.Post, "/api/admin/users/oUnknown/block"), (HttpMethod.Post, "/api/admin/users/oUnknown/unblock"),
            (HttpMethod.Post, "/api/admin/users/oUnknown/credits"), (HttpMethod.Put, "/api/admin/users/oUnknown/nickname"),
        })
        {
            var json = method == HttpMethod.Get ? null : path.EndsWith("credits", StringComparison.Ordinal) ? """{"credits":1}""" : "{}";
            var (status, problem) = await app.AdminAsync(method, path, json);
            Assert.True(status == HttpStatusCode.NotFound, $"{method} {path}: {status} {problem}");
            Assert.Contains("oUnknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.SendWithinRateAsync(app.Apis[0].Client, HttpMethod.Post, $"/api/admin/users/{user}/block", new Dictionary<string, string>(), "{}")).Status);
        Assert.Empty(await app.AuditAsync(user));
        await using var db = app.Db();
        Assert.False((await db.Users.AsNoTracking().SingleAsync(u => u.OpenId == user, TestContext.Current.CancellationToken)).Blocked);
        Assert.False(await app.Harness.Db.SetContainsAsync(AdmissionKeys.Blocked(TestShards.Of(user), App), user));
    }

    private async Task<List<string?>> OpenIdsAsync(string q)
    {
        var (status, body) = await app.GetAsync($"/api/admin/users?q={Uri.EscapeDataString(q)}");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("openId").GetString())];
    }

    private async Task<string> BadRequestAsync(HttpMethod method, string path, string? json = null)
    {
        var (status, body) = await app.AdminAsync(method, path, json);
        Assert.True(status == HttpStatusCode.BadRequest, $"{method} {path}: {status} {body}");
        return body.GetProperty("detail").GetString() ?? "";
    }

    private IReadOnlyList<(string Role, string Content)> LastRequestWith(string question) =>
        app.Harness.Llm.Requests.Last(r => r.Count > 0 && r[^1].Content == question);

    private static List<string> UserTurns(IReadOnlyList<(string Role, string Content)> request) =>
        [.. request.Where(m => m.Role == "user").Select(m => m.Content)];
}
