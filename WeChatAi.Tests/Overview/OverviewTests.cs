using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Overview;

/// <summary>
/// <c>GET /api/admin/overview</c> on the real API and worker processes: messages sent through the webhook and answered
/// by the worker (fake LLM, fake WeChat API), past days from PostgreSQL.
/// </summary>
public sealed class OverviewTests(PostgresServer postgres)
{
    [Fact]
    public async Task Webhook_messages_and_the_workers_answers_show_in_the_minutes_the_days_the_tokens_the_cost_and_the_services_health()
    {
        await using var harness = await WorkerHarness.StartAsync(postgres);
        await harness.StartWorkerAsync(new Dictionary<string, string?> { ["Llm__MaxRetries"] = "0" });
        await using var api = await OverviewApi.StartAsync(harness.Redis.ConnectionString, harness.Database, WorkerHarness.AppId);
        var weChat = new WeChatClient(api.Client, OverviewApi.Token);
        var today = BillingDay.Of(DateTimeOffset.UtcNow);
        await using (var db = Context(harness.Database))
        {
            // Days the worker's roll-up (today and yesterday) leaves alone; the 31st day back is outside the window.
            db.DailyStatistics.AddRange(
                new DailyStatistics { Day = today.AddDays(-2), Messages = 40, Answered = 38, UpdatedAt = DateTimeOffset.UtcNow },
                new DailyStatistics { Day = today.AddDays(-29), Messages = 7, Answered = 6, UpdatedAt = DateTimeOffset.UtcNow },
                new DailyStatistics { Day = today.AddDays(-30), Messages = 99, Answered = 99, UpdatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        string[] users = ["o-ov-1", "o-ov-2", "o-ov-3"];
        for (var i = 0; i < users.Length; i++)
        {
            var (status, _) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(users[i], 9_000 + i, $"问题{i}")));
            Assert.Equal(HttpStatusCode.OK, status);
        }

        await harness.WaitUntilAsync(() => harness.WeChat.Messages.Count == 3, "3 answers");
        // The worker sends its call counts once a second.
        var overview = await OverviewApi.WaitForAsync(
            api, o => OverviewApi.Sum(o, "minutes", "answered") == 3 && Service(o, "wechat-api").Calls == 3, "3 answered and 3 pushes counted");

        Assert.Equal(60, overview.GetProperty("minutes").GetArrayLength());
        var minutes = overview.GetProperty("minutes").EnumerateArray().Select(m => m.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.All(minutes.Zip(minutes.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(1), pair.Second - pair.First));
        var generatedAt = overview.GetProperty("generatedAt").GetDateTimeOffset();
        Assert.InRange(generatedAt - minutes[^1], TimeSpan.Zero, TimeSpan.FromMinutes(1)); // the last minute is the current one
        Assert.Equal(3, OverviewApi.Sum(overview, "minutes", "received"));

        var days = overview.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(30, days.Count);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => today.AddDays(i - 29).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), days.Select(d => d.GetProperty("day").GetString()));
        Assert.Equal((3, 3), DayFigures(days[29]));
        Assert.Equal((40, 38), DayFigures(days[27]));
        Assert.Equal((7, 6), DayFigures(days[0]));
        Assert.Equal((0, 0), DayFigures(days[10]));

        // The fake LLM counts a question's characters as prompt tokens and the answer's ("答复：" + question) as completion tokens.
        var tokens = overview.GetProperty("tokens");
        Assert.Equal((9, 18), (tokens.GetProperty("promptToday").GetInt64(), tokens.GetProperty("completionToday").GetInt64()));
        Assert.Equal(0.002m, tokens.GetProperty("pricePer1kTokens").GetDecimal());
        Assert.Equal(27 * 0.002m / 1000, tokens.GetProperty("estimatedCostToday").GetDecimal());

        Assert.Equal(3, overview.GetProperty("latency").GetProperty("samples").GetInt32());
        Assert.True(overview.GetProperty("latency").GetProperty("p99Ms").GetInt64() >= overview.GetProperty("latency").GetProperty("p50Ms").GetInt64());
        Assert.Equal(3, overview.GetProperty("activeUsersToday").GetInt64());
        var queue = overview.GetProperty("queue");
        Assert.Equal((0, 0), (queue.GetProperty("inFlight").GetInt64(), queue.GetProperty("deadLetters").GetInt64()));
        var orders = overview.GetProperty("orders");
        Assert.Equal((0, 0, 0), (orders.GetProperty("paidToday").GetInt32(), orders.GetProperty("revenueFenToday").GetInt64(), orders.GetProperty("refundedFenToday").GetInt64()));
        Assert.Equal(["redis", "postgresql", "llm", "wechat-api"], overview.GetProperty("health").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
        Assert.Equal("ok", OverviewApi.Health(overview, "redis").GetProperty("status").GetString());
        Assert.Equal("ok", OverviewApi.Health(overview, "postgresql").GetProperty("status").GetString());
        Assert.Equal(("ok", 3, 0), Service(overview, "llm"));
        Assert.Equal(("ok", 3, 0), Service(overview, "wechat-api"));

        // Two 503s of the LLM and one refused push: the job is answered on its fourth attempt.
        harness.Llm.Faults.Enqueue(503);
        harness.Llm.Faults.Enqueue(503);
        harness.WeChat.SendFaults.Enqueue(-1);
        await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-ov-4", 9_100, "再问")));
        await harness.WaitUntilAsync(() => harness.WeChat.Messages.Count == 4, "the fourth answer");
        overview = await OverviewApi.WaitForAsync(
            api, o => OverviewApi.Sum(o, "minutes", "answered") == 4 && Service(o, "wechat-api").Calls == 5, "4 answered and 5 pushes counted");
        Assert.Equal(("degraded", 6, 2), Service(overview, "llm"));
        Assert.Equal(2.0 / 6, OverviewApi.Health(overview, "llm").GetProperty("errorRate").GetDouble(), 3);
        Assert.Equal(("degraded", 5, 1), Service(overview, "wechat-api"));
        Assert.Equal((4, 4), DayFigures(overview.GetProperty("days")[29]));
        Assert.Equal(4, overview.GetProperty("activeUsersToday").GetInt64());

        // The roll-up the worker runs every minute counts today's answers for the days to come.
        await harness.WaitForExchangesAsync(4);
        await using (var db = Context(harness.Database))
        {
            var row = await DailyFigures.RollUpAsync(db, today, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
            Assert.Equal((4, 4), (row.Messages, row.Answered));
        }
    }

    [Fact]
    public async Task Without_the_admin_key_the_overview_is_refused_and_a_negative_token_price_stops_the_api_naming_the_setting()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using (var api = await OverviewApi.StartAsync(redis.ConnectionString, database, "wxoverview", price: "0"))
        {
            var missing = await AdminApi.SendAsync(api.Client, HttpMethod.Get, OverviewApi.Path, new Dictionary<string, string>());
            Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
            var wrong = await AdminApi.SendAsync(api.Client, HttpMethod.Get, OverviewApi.Path, new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key + "x" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);

            // No price configured: tokens are counted, the cost is unknown; nothing happened yet, every service idle.
            var (status, overview) = await OverviewApi.GetAsync(api);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(JsonValueKind.Null, overview.GetProperty("tokens").GetProperty("pricePer1kTokens").ValueKind);
            Assert.Equal(JsonValueKind.Null, overview.GetProperty("tokens").GetProperty("estimatedCostToday").ValueKind);
            Assert.Equal(JsonValueKind.Null, overview.GetProperty("latency").GetProperty("p50Ms").ValueKind);
            Assert.Equal(("idle", 0, 0), Service(overview, "llm"));
            Assert.Equal(("idle", 0, 0), Service(overview, "wechat-api"));
            Assert.All(overview.GetProperty("minutes").EnumerateArray(), m => Assert.Equal(0, m.GetProperty("received").GetInt64()));
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OverviewApi.StartAsync(redis.ConnectionString, database, "wxoverview", price: "-0.01"));
        Assert.Contains("Llm:PricePer1kTokens", error.Message, StringComparison.Ordinal);
    }

    internal static (long Received, long Answered) DayFigures(JsonElement day) =>
        (day.GetProperty("received").GetInt64(), day.GetProperty("answered").GetInt64());

    private static (string? Status, long Calls, long Errors) Service(JsonElement overview, string name)
    {
        var health = OverviewApi.Health(overview, name);
        return (health.GetProperty("status").GetString(), health.GetProperty("calls").GetInt64(), health.GetProperty("errors").GetInt64());
    }

    private static WeChatDbContext Context(string database) =>
        new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(database + ";Pooling=false").Options);
}
