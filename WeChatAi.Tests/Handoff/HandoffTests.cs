using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;
using WeChatAi.Worker.Handoff;

namespace WeChatAi.Tests.Handoff;

/// <summary>
/// Handoff to a person end to end (docs/handoff.md): API replicas and a worker as real processes, real Redis and
/// PostgreSQL, fakes of the LLM, WeChat's API and a WeCom robot; LLM calls and pushes counted at the fakes.
/// </summary>
public sealed class HandoffTests(PostgresServer postgres)
{
    [Fact]
    public async Task Asking_by_text_or_menu_opens_a_session_without_the_LLM_and_later_messages_are_held_recorded_and_answered_with_the_waiting_text_once()
    {
        await using var app = await HandoffApp.StartAsync(postgres);

        // A question that only mentions 人工 is the AI's.
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, "oText", 1, "人工智能是什么"));
        await app.Harness.WaitUntilAsync(() => app.PushesOf("oText", "答复：人工智能是什么") == 1, "the AI answers a question about 人工智能");

        Assert.Equal(HandoffApp.StartText, await HandoffApp.SendAsync(app.A, "oText", 2, "转人工！"));
        Assert.Equal(HandoffApp.WaitingText, await HandoffApp.SendAsync(app.B, "oText", 3, "我的订单 123 没到"));
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, "oText", 4, "还在吗"));
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.B, "oText", 4, "还在吗")); // WeChat's retry: recorded once

        Assert.Equal(HandoffApp.StartText, await HandoffApp.ClickAsync(app.B, "oMenu", "handoff", 1714037100));

        // A later question of another user is answered: the queue ran past anything the held messages could have left.
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, "oProbe", 1, "探针"));
        await app.Harness.WaitUntilAsync(() => app.PushesOf("oProbe", "答复：探针") == 1, "the probe's answer");
        Assert.Equal(2, app.Harness.Llm.Calls);
        Assert.Equal(0, app.LlmCallsFor("我的订单 123 没到") + app.LlmCallsFor("还在吗") + app.LlmCallsFor("转人工！"));
        Assert.Equal(2, await app.Harness.Db.JobCountAsync()); // no job for the request or the held messages

        var (status, list) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, "/api/admin/handoff");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["oText", "oMenu"], list.EnumerateArray().Select(s => s.GetProperty("openId").GetString()));
        var text = list[0];
        Assert.Equal(2, text.GetProperty("unread").GetInt32());
        Assert.Equal("还在吗", text.GetProperty("lastPreview").GetString());
        Assert.Equal(JsonValueKind.Null, text.GetProperty("assignee").ValueKind);
        Assert.True(text.GetProperty("waitingSeconds").GetInt64() >= 0);

        var (_, session) = await HandoffApp.AdminAsync(app.B, HttpMethod.Get, "/api/admin/handoff/oText");
        Assert.Equal(["我的订单 123 没到", "还在吗"], session.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.True(session.GetProperty("open").GetBoolean());
        Assert.Equal(5, session.GetProperty("messagesLeft").GetInt32()); // the held messages opened WeChat's budget

        var (overviewStatus, overview) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, "/api/admin/overview");
        Assert.True(overviewStatus == HttpStatusCode.OK, app.A.Output);
        var figures = overview.GetProperty("handoff");
        Assert.Equal(2, figures.GetProperty("sessionsToday").GetInt32());
        Assert.Equal(2, figures.GetProperty("waitingNow").GetInt32());
        Assert.Equal(JsonValueKind.Null, figures.GetProperty("medianFirstReplySecondsToday").ValueKind);
    }

    [Fact]
    public async Task An_operator_takes_over_a_queued_message_replies_once_per_key_on_either_replica_sees_WeChat_refusals_and_hands_back()
    {
        await using var app = await HandoffApp.StartAsync(postgres);
        const string user = "oOperator";

        // The first question is with the LLM (slow) when the second arrives; the takeover comes before the second's turn.
        app.Harness.Llm.DelayFor = question => question == "第一个问题" ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 1, "第一个问题"));
        await app.Harness.WaitUntilAsync(() => app.LlmCallsFor("第一个问题") == 1, "the first question reaches the LLM");
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 2, "第二个问题"));
        var (taken, item) = await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}");
        Assert.Equal(HttpStatusCode.OK, taken);
        Assert.Equal("张三", item.GetProperty("assignee").GetString());
        await app.Harness.WaitUntilAsync(() => app.PushesOf(user, "答复：第一个问题") == 1, "the first question's answer (asked before the takeover)");
        await app.Harness.WaitUntilAsync(async () => (await app.Harness.PendingInGroupAsync()) == 0, "the queued message is held and acknowledged");
        Assert.Equal(0, app.LlmCallsFor("第二个问题"));
        var (_, held) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, $"/api/admin/handoff/{user}");
        Assert.Equal(["第二个问题"], held.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));

        // A double click on one replica, a retry, and the same key through the other replica: one push.
        var clicks = await Task.WhenAll(
            HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("您好，我来处理。", "reply-1")),
            HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("您好，我来处理。", "reply-1")));
        var retry = await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("您好，我来处理。", "reply-1"));
        var other = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("您好，我来处理。", "reply-1"));
        Assert.Contains(clicks, c => c.Status == HttpStatusCode.OK);
        Assert.All(clicks, c => Assert.True(c.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, c.Status.ToString()));
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal(retry.Body.GetProperty("id").GetInt64(), other.Body.GetProperty("id").GetInt64());
        Assert.Equal("sent", other.Body.GetProperty("delivery").GetString());
        Assert.Equal(1, app.PushesOf(user, "您好，我来处理。"));

        // WeChat's refusals, plainly, the text given back.
        app.Harness.WeChat.SendFaults.Enqueue(45015);
        var outOfWindow = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("还有一个问题要确认", "reply-2"));
        Assert.Equal(HttpStatusCode.Conflict, outOfWindow.Status);
        Assert.Equal(45015, outOfWindow.Body.GetProperty("errcode").GetInt32());
        Assert.Equal("还有一个问题要确认", outOfWindow.Body.GetProperty("text").GetString());
        Assert.Contains("48", outOfWindow.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(HandoffApp.WaitingText, await HandoffApp.SendAsync(app.A, user, 3, "好的"));
        app.Harness.WeChat.SendFaults.Enqueue(45047);
        var outOfQuota = await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("还有一个问题要确认", "reply-2"));
        Assert.Equal(HttpStatusCode.Conflict, outOfQuota.Status);
        Assert.Equal(45047, outOfQuota.Body.GetProperty("errcode").GetInt32());
        Assert.Equal("还有一个问题要确认", outOfQuota.Body.GetProperty("text").GetString());
        Assert.Equal(0, app.PushesOf(user, "还有一个问题要确认"));

        // One assignee: a second operator is told who, unless they force it.
        var (second, refusal) = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}", operatorName: "李四");
        Assert.Equal(HttpStatusCode.Conflict, second);
        Assert.Equal("张三", refusal.GetProperty("assignee").GetString());
        Assert.Contains("张三", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (forced, forcedItem) = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}", "{\"force\":true}", operatorName: "李四");
        Assert.Equal(HttpStatusCode.OK, forced);
        Assert.Equal("李四", forcedItem.GetProperty("assignee").GetString());
        var (notAssignee, _) = await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("我还在", "reply-3"));
        Assert.Equal(HttpStatusCode.Conflict, notAssignee);

        // Hand back: the end text, and the AI answers again.
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.B, user, 4, "谢谢")); // the waiting text came with 好的
        var (closed, closeView) = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}/close", operatorName: "李四");
        Assert.Equal(HttpStatusCode.OK, closed);
        Assert.True(closeView.GetProperty("endTextSent").GetBoolean());
        Assert.Equal(1, app.PushesOf(user, HandoffApp.EndText));
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 5, "现在呢"));
        await app.Harness.WaitUntilAsync(() => app.PushesOf(user, "答复：现在呢") == 1, "the AI answers after the hand-back");
        Assert.Equal(0, app.LlmCallsFor("第二个问题") + app.LlmCallsFor("好的") + app.LlmCallsFor("谢谢"));

        var (_, list) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, "/api/admin/handoff");
        Assert.Equal(0, list.GetArrayLength());
        var (auditStatus, audit) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, "/api/admin/audit?target=" + user);
        Assert.True(auditStatus == HttpStatusCode.OK, app.A.Output);
        var actions = audit.GetProperty("items").EnumerateArray().Select(a => (a.GetProperty("action").GetString(), a.GetProperty("actor").GetString())).ToList();
        Assert.Contains(("handoff.take", "张三"), actions);
        Assert.Contains(("handoff.reply", "张三"), actions);
        Assert.Single(actions, a => a.Item1 == "handoff.reply");
        Assert.Contains(("handoff.take", "李四"), actions);
        Assert.Contains(("handoff.close", "李四"), actions);
        var (_, overview) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, "/api/admin/overview");
        Assert.True(overview.GetProperty("handoff").GetProperty("medianFirstReplySecondsToday").GetInt64() >= 0);
    }

    [Fact]
    public async Task The_robot_is_told_once_and_an_idle_session_is_handed_back_by_the_sweep_on_an_advanced_clock()
    {
        await using var app = await HandoffApp.StartAsync(postgres, new Dictionary<string, string?> { ["Handoff__NotifyAfterSeconds"] = "1" }, new Dictionary<string, string?>());
        const string user = "oIdle";
        Assert.Equal(HandoffApp.StartText, await HandoffApp.SendAsync(app.A, user, 1, "人工客服"));
        await app.Harness.WaitUntilAsync(() => !app.Robot.Bodies.IsEmpty, "the robot is told the user waits");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken); // three more sweeps
        var told = Assert.Single(app.Robot.Bodies);
        using (var body = JsonDocument.Parse(told))
        {
            Assert.Equal("text", body.RootElement.GetProperty("msgtype").GetString());
            var content = body.RootElement.GetProperty("text").GetProperty("content").GetString()!;
            Assert.Contains("人工客服", content, StringComparison.Ordinal);
            Assert.DoesNotContain(user, content, StringComparison.Ordinal);
        }

        // The worker's own sweep runs on the real clock; this one is 31 minutes ahead (Handoff:IdleMinutes is 30).
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(31));
        await using var services = new ServiceCollection()
            .AddDbContext<WeChatDbContext>(o => o.UseNpgsql(app.Harness.Database + ";Pooling=false"))
            .AddHttpClient().BuildServiceProvider();
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var settings = new HandoffOptions();
        var sweep = new HandoffSweep(
            scopes, new HandoffSessions(scopes, app.Harness.Connection, TestShards.Default), app.Harness.Connection, TestShards.Default,
            services.GetRequiredService<IHttpClientFactory>(), new StaticMonitor(settings), Options.Create(new WeChatOptions { AppId = WorkerHarness.AppId }),
            clock, NullLogger<HandoffSweep>.Instance);
        await sweep.SweepAsync(TestContext.Current.CancellationToken);

        await app.Harness.WaitUntilAsync(() => app.PushesOf(user, settings.IdleText) == 1, "the idle text is pushed");
        var (_, session) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, $"/api/admin/handoff/{user}");
        Assert.False(session.GetProperty("open").GetBoolean());
        Assert.Equal("idle", session.GetProperty("closeReason").GetString());
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 2, "你好"));
        await app.Harness.WaitUntilAsync(() => app.PushesOf(user, "答复：你好") == 1, "the AI answers after the idle hand-back");
        Assert.Single(app.Robot.Bodies);
    }

    [Fact]
    public async Task Closed_hours_leave_the_AI_answering_a_passive_only_account_opens_no_session_and_wechat_kf_transfers()
    {
        // A one-hour window two hours from now (China's time): closed now, whatever the time of day.
        var china = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        var hours = string.Create(CultureInfo.InvariantCulture, $"Mon-Sun {china.AddHours(2):HH}:00-{china.AddHours(3):HH}:00");
        await using var app = await HandoffApp.StartAsync(postgres,
            new Dictionary<string, string?> { ["Handoff__OpeningHours"] = hours, ["Handoff__ClosedText"] = "现在是休息时间。" },
            new Dictionary<string, string?> { ["WeChat__ReplyMode"] = "passive", ["Handoff__UnavailableText"] = "本号不支持人工。" },
            new Dictionary<string, string?> { ["Handoff__Target"] = "wechat-kf" });

        Assert.Equal("现在是休息时间。", await HandoffApp.SendAsync(app.A, "oClosed", 1, "转人工"));
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, "oClosed", 2, "你好"));
        await app.Harness.WaitUntilAsync(() => app.PushesOf("oClosed", "答复：你好") == 1, "the AI answers outside the opening hours");

        Assert.Equal("本号不支持人工。", await HandoffApp.SendAsync(app.B, "oPassive", 1, "转人工"));

        var transfer = WeChatXml.Parse(await HandoffApp.PostAsync(app.C, WeChatAi.Tests.Webhook.WeChatClient.Text("oKf", 1, "转人工")));
        Assert.Equal("transfer_customer_service", transfer.Get("MsgType"));
        Assert.Equal("oKf", transfer.Get("ToUserName"));

        var (_, list) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, "/api/admin/handoff");
        Assert.Equal(0, list.GetArrayLength());
        var (takeOver, refusal) = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, "/api/admin/handoff/oPassive");
        Assert.Equal(HttpStatusCode.Conflict, takeOver);
        Assert.Contains("passive", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, app.Harness.Llm.Calls);
    }

    [Fact]
    public async Task During_a_session_every_message_reaches_the_operator_commands_still_answer_and_keyword_rules_and_the_AI_are_held()
    {
        await using var app = await HandoffApp.StartAsync(postgres);
        const string user = "oEvery";
        var (created, _) = await HandoffApp.AdminAsync(app.A, HttpMethod.Post, "/api/admin/keywords",
            JsonSerializer.Serialize(new { matchType = "exact", pattern = "营业时间", reply = "每天 9:00–18:00 营业。", enabled = true, priority = 0 }));
        Assert.Equal(HttpStatusCode.Created, created);
        await app.Harness.WaitUntilAsync(
            () => app.A.Output.Contains("(version 1).", StringComparison.Ordinal) && app.B.Output.Contains("(version 1).", StringComparison.Ordinal),
            "the replicas load the keyword rule", TimeSpan.FromSeconds(10));
        Assert.Equal("每天 9:00–18:00 营业。", await HandoffApp.SendAsync(app.A, "oRule", 1, "营业时间")); // the rule answers a user not with a person

        Assert.Equal(HandoffApp.StartText, await HandoffApp.SendAsync(app.A, user, 1, "转人工"));
        var quota = await HandoffApp.SendAsync(app.A, user, 2, "额度"); // the user's own account: answered, and recorded
        Assert.NotEqual(HandoffApp.WaitingText, quota);
        Assert.NotEqual(HandoffApp.Success, quota);
        Assert.Equal(HandoffApp.WaitingText, await HandoffApp.SendAsync(app.A, user, 3, "营业时间")); // the person answers, not the rule
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 3, "营业时间")); // WeChat's retry: recorded once
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 4, "新对话")); // no reset of the AI's memory: held
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 5, "继续"));
        Assert.Equal(HandoffApp.StartText, await HandoffApp.SendAsync(app.B, user, 6, "转人工")); // asked again: the operator sees it
        Assert.Contains("关于本服务", await HandoffApp.ClickAsync(app.B, user, "about", 1714037200), StringComparison.Ordinal);
        Assert.Equal(HandoffApp.Success, await HandoffApp.ClickAsync(app.B, user, "营业时间", 1714037201));

        var (_, session) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, $"/api/admin/handoff/{user}");
        var messages = session.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["额度", "营业时间", "新对话", "继续", "转人工", "about", "营业时间"], messages.Select(m => m.GetProperty("text").GetString()));
        Assert.Equal([null, null, null, null, null, "menu", "menu"], messages.Select(m => m.GetProperty("media").GetString()));
        Assert.All(messages, m => Assert.Equal("user", m.GetProperty("author").GetString()));
        Assert.Equal(0, app.Harness.Llm.Calls);
        Assert.Equal(0, await app.Harness.Db.JobCountAsync()); // nothing went to the worker (新对话's job included)
        Assert.Empty(app.Harness.WeChat.MessagesTo(user));

        // Handed back: the rule answers again.
        Assert.Equal(HttpStatusCode.OK, (await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/close")).Status);
        Assert.Equal("每天 9:00–18:00 营业。", await HandoffApp.SendAsync(app.A, user, 7, "营业时间"));
    }

    [Fact]
    public async Task The_sweep_writes_a_lost_marker_again_and_removes_one_that_outlived_its_session()
    {
        await using var app = await HandoffApp.StartAsync(postgres);
        const string user = "oLost";
        var redis = app.Harness.Db;
        var marker = HandoffKeys.Open(TestShards.Of(user), WorkerHarness.AppId);
        Assert.Equal(HandoffApp.StartText, await HandoffApp.SendAsync(app.A, user, 1, "转人工"));
        var sessionId = (long)await redis.HashGetAsync(marker, user);

        // Redis lost the marker (as if it was away between the row and the marker): the sweep writes it again.
        Assert.True(await redis.HashDeleteAsync(marker, user));
        await app.Harness.WaitUntilAsync(async () => await redis.HashExistsAsync(marker, user), "the sweep writes the marker again");
        Assert.Equal(sessionId, (long)await redis.HashGetAsync(marker, user));
        Assert.Equal(HandoffApp.WaitingText, await HandoffApp.SendAsync(app.A, user, 2, "有人吗"));
        Assert.Equal(0, app.Harness.Llm.Calls);

        // A marker left after its session closed, and one with no session at all: removed; the AI answers again.
        Assert.Equal(HttpStatusCode.OK, (await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/close")).Status);
        Assert.False(await redis.HashExistsAsync(marker, user));
        await redis.HashSetAsync(marker, user, sessionId);
        var ghost = HandoffKeys.Open(TestShards.Of("oGhost"), WorkerHarness.AppId);
        await redis.HashSetAsync(ghost, "oGhost", 987654);
        await app.Harness.WaitUntilAsync(
            async () => !await redis.HashExistsAsync(marker, user) && !await redis.HashExistsAsync(ghost, "oGhost"), "the sweep removes the stale markers");
        Assert.Equal(HandoffApp.Success, await HandoffApp.SendAsync(app.A, user, 3, "现在呢"));
        await app.Harness.WaitUntilAsync(() => app.PushesOf(user, "答复：现在呢") == 1, "the AI answers once the stale marker is gone");
        Assert.Equal(0, app.LlmCallsFor("有人吗"));
    }

    [Fact]
    public async Task A_reply_WeChat_never_answers_becomes_unknown_is_never_pushed_again_under_its_key_and_may_be_sent_with_a_new_one()
    {
        await using var app = await HandoffApp.StartAsync(postgres, new Dictionary<string, string?> { ["Handoff__PushTimeoutSeconds"] = "2" }, new Dictionary<string, string?>());
        const string user = "oSilent";
        Assert.Equal(HandoffApp.StartText, await HandoffApp.SendAsync(app.A, user, 1, "转人工"));

        app.Harness.WeChat.SendDelay = TimeSpan.FromHours(1); // WeChat takes the request and never answers
        var started = DateTimeOffset.UtcNow;
        var (status, problem) = await HandoffApp.AdminAsync(app.A, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("请提供订单号", "silent-1"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(15), "Handoff:PushTimeoutSeconds bounds the wait (no retries)");
        Assert.Equal("unknown", problem.GetProperty("delivery").GetString());

        var (_, session) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, $"/api/admin/handoff/{user}");
        var reply = Assert.Single(session.GetProperty("messages").EnumerateArray(), m => m.GetProperty("author").GetString() == "operator");
        Assert.Equal("unknown", reply.GetProperty("delivery").GetString());

        // WeChat answers again; the same key (a double click, the console's retry) still pushes nothing: 409, unknown.
        app.Harness.WeChat.SendDelay = TimeSpan.Zero;
        var (again, againProblem) = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("请提供订单号", "silent-1"));
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("unknown", againProblem.GetProperty("delivery").GetString());
        Assert.Equal(0, app.PushesOf(user, "请提供订单号"));

        // The operator decides to send it again: a new key.
        var (resent, message) = await HandoffApp.AdminAsync(app.B, HttpMethod.Post, $"/api/admin/handoff/{user}/messages", HandoffApp.Reply("请提供订单号", "silent-2"));
        Assert.Equal(HttpStatusCode.OK, resent);
        Assert.Equal("sent", message.GetProperty("delivery").GetString());
        Assert.Equal(1, app.PushesOf(user, "请提供订单号"));

        // A request that died mid-push left its row "sending": the worker's sweep makes it unknown.
        await using (var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(app.Harness.Database + ";Pooling=false").Options))
        {
            var sessionId = session.GetProperty("session").GetProperty("sessionId").GetInt64();
            var at = DateTimeOffset.UtcNow.AddMinutes(-10);
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO handoff_messages ("SessionId", "AppId", "OpenId", "Key", "Operator", "Text", "At", "Delivery")
                VALUES ({sessionId}, {WorkerHarness.AppId}, {user}, 'op:crashed', '张三', '崩溃前的回复', {at}, 'Sending')
                """, TestContext.Current.CancellationToken);
        }

        await app.Harness.WaitUntilAsync(async () =>
        {
            var (_, view) = await HandoffApp.AdminAsync(app.A, HttpMethod.Get, $"/api/admin/handoff/{user}");
            return view.GetProperty("messages").EnumerateArray()
                .Any(m => m.GetProperty("text").GetString() == "崩溃前的回复" && m.GetProperty("delivery").GetString() == "unknown");
        }, "the sweep marks the dead request's reply unknown");
    }

    private sealed class StaticMonitor(HandoffOptions value) : IOptionsMonitor<HandoffOptions>
    {
        public HandoffOptions CurrentValue => value;

        public HandoffOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<HandoffOptions, string?> listener) => null;
    }
}
