using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Order = WeChatAi.Core.Data.Billing.Order;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Billing;

/// <summary>
/// The real API admits and charges, the real worker dead-letters and gives the charge back, and its drain writes the
/// ledger and <c>daily_usage</c>; then statistics. Real Redis and PostgreSQL; fakes only for WeChat and the LLM.
/// </summary>
public sealed class GiveBackTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Token = "giveback-token";
    private WorkerHarness _h = null!;
    private ServiceProcess _api = null!;
    private long _msgId = 70_000;

    public async ValueTask InitializeAsync()
    {
        _h = await WorkerHarness.StartAsync(postgres);
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxAttempts"] = "1", ["WeChat__AckMode"] = "text" });
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _h.Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = _h.Database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = WorkerHarness.AppId,
            ["WeChat__AckMode"] = "text",
            ["Billing__FreeDailyMessages"] = "1",
            ["Billing__PurchaseUrl"] = "https://shop.example.com/buy",
            ["Admin__ApiKey"] = Admin.AdminApi.Key,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task A_dead_lettered_question_gives_its_free_question_or_credit_back_and_the_ledger_records_both()
    {
        // A's only free question of the day is dead-lettered: it is free again.
        _h.WeChat.SendFaults.Enqueue(-1);
        Assert.Equal("正在思考中...", await AskAsync("o-free-back", "会失败的问题"));
        await _h.WaitForExchangesAsync(1);
        Assert.Equal(ExchangeOutcome.DeadLettered, (await _h.ExchangesAsync())[0].Outcome);
        Assert.Contains("剩余 1/1 次", await AskAsync("o-free-back", "额度"), StringComparison.Ordinal);

        // B uses the free question, then a credit on a question that is dead-lettered: the credit comes back.
        await GrantAsync("o-credit-back", 2);
        await AskAsync("o-credit-back", "免费的问题");
        await _h.WaitForExchangesAsync(2);
        _h.WeChat.SendFaults.Enqueue(-1);
        await AskAsync("o-credit-back", "用积分的问题");
        await _h.WaitForExchangesAsync(3);
        Assert.Equal(2, (long)await _h.Db.HashGetAsync(BillingKeys.Credits(TestShards.Of("o-credit-back"), WorkerHarness.AppId, "o-credit-back"), BillingKeys.BalanceField));

        await _h.WaitUntilAsync(async () => (await LedgerAsync("o-credit-back")).Count == 3, "the grant, the use and the give-back in the ledger");
        var rows = await LedgerAsync("o-credit-back");
        Assert.Equal([CreditEntryKind.Grant, CreditEntryKind.Use, CreditEntryKind.GiveBack], rows.Select(r => r.Kind));
        Assert.Equal(rows[0].Id, rows[2].GrantId);
        Assert.Equal(rows[1].JobId, rows[2].JobId);

        var today = BillingDay.Of(DateTimeOffset.UtcNow);
        await _h.WaitUntilAsync(async () => (await UsageAsync("o-free-back", today))?.GivenBack == 1, "A's day in daily_usage");
        var a = (await UsageAsync("o-free-back", today))!;
        Assert.Equal((0, 0, 1), (a.FreeUsed, a.CreditsUsed, a.GivenBack));
        await _h.WaitUntilAsync(async () => (await UsageAsync("o-credit-back", today))?.GivenBack == 1, "B's day in daily_usage");
        var b = (await UsageAsync("o-credit-back", today))!;
        Assert.Equal((1, 1, 1), (b.FreeUsed, b.CreditsUsed, b.GivenBack));
    }

    [Fact]
    public async Task A_question_blocked_by_content_safety_gives_its_free_question_back()
    {
        // The shipped test list holds 违禁测试词; spaces do not evade it.
        await AskAsync("o-blocked", "违 禁 测 试 词 是什么");
        await _h.WaitForExchangesAsync(1);
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal(SafetyDirection.Question, exchange.Blocked);
        Assert.Contains("剩余 1/1 次", await AskAsync("o-blocked", "额度"), StringComparison.Ordinal);

        await _h.WaitUntilAsync(async () => (await UsageAsync("o-blocked", BillingDay.Of(DateTimeOffset.UtcNow)))?.GivenBack == 1, "the give-back in daily_usage");
    }

    [Fact]
    public async Task Over_quota_replies_with_the_configured_purchase_url()
    {
        await AskAsync("o-link", "第一个");

        var reply = await AskAsync("o-link", "第二个");

        Assert.Contains("https://shop.example.com/buy", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_report_todays_orders_paying_users_and_revenue_and_the_roll_up_writes_the_day()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var db = Db())
        {
            db.Orders.AddRange(
                Order("o-s1", 990, OrderState.Paid, now),
                Order("o-s1", 1990, OrderState.Paid, now),
                Order("o-s2", 300, OrderState.Paid, now),
                Order("o-s3", 500, OrderState.Pending, null));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        // Money is the operator's: the public /api/stats has no billing figures, the admin key's reading has them.
        using (var open = JsonDocument.Parse(await _api.Client.GetStringAsync(new Uri("/api/stats", UriKind.Relative), TestContext.Current.CancellationToken)))
        {
            Assert.False(open.RootElement.TryGetProperty("billing", out _));
        }

        var (status, json) = await Admin.AdminApi.SendAsync(_api.Client, HttpMethod.Get, "/api/admin/stats", new Dictionary<string, string> { ["X-Admin-Key"] = Admin.AdminApi.Key });
        Assert.Equal(HttpStatusCode.OK, status);
        var billing = json.GetProperty("billing");
        Assert.Equal(BillingDay.Key(BillingDay.Of(now)), billing.GetProperty("day").GetString());
        Assert.Equal(4, billing.GetProperty("ordersToday").GetInt32());
        Assert.Equal(3, billing.GetProperty("paidOrdersToday").GetInt32());
        Assert.Equal(2, billing.GetProperty("payingUsersToday").GetInt32());
        Assert.Equal(3280, billing.GetProperty("revenueFenToday").GetInt64());

        await using (var db = Db())
        {
            await DailyFigures.RollUpAsync(db, BillingDay.Of(now), now, TestContext.Current.CancellationToken);
            await DailyFigures.RollUpAsync(db, BillingDay.Of(now), now, TestContext.Current.CancellationToken);
            var row = await db.DailyStatistics.SingleAsync(d => d.Day == BillingDay.Of(now), TestContext.Current.CancellationToken);
            Assert.Equal((4, 3, 2, 3280L), (row.Orders, row.PaidOrders, row.PayingUsers, row.RevenueFen));
        }
    }

    private static int _order;

    private static Order Order(string openId, int fen, OrderState state, DateTimeOffset? paidAt) => new()
    {
        OutTradeNo = "WATEST" + Interlocked.Increment(ref _order).ToString("D10", CultureInfo.InvariantCulture),
        AppId = WorkerHarness.AppId,
        OpenId = openId,
        ProductId = "p",
        ProductName = "测试",
        AmountFen = fen,
        Credits = 1,
        ValidityDays = 1,
        State = state,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
        PaidAt = paidAt,
    };

    private async Task<string> AskAsync(string openId, string content)
    {
        var weChat = new WeChatClient(_api.Client, Token);
        var (status, body) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(openId, Interlocked.Increment(ref _msgId), content)));
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}\n{_api.Output}");
        return WeChatClient.ReplyContent(body);
    }

    private Task GrantAsync(string openId, int credits) => Grants.GrantAsync(_h.Database, _h.Connection, WorkerHarness.AppId, openId, credits, $"grant:{openId}");

    private async Task<List<CreditEntry>> LedgerAsync(string openId)
    {
        await using var db = Db();
        return await db.CreditLedger.AsNoTracking().Where(e => e.OpenId == openId).OrderBy(e => e.Id).ToListAsync(TestContext.Current.CancellationToken);
    }

    private async Task<DailyUsage?> UsageAsync(string openId, DateOnly day)
    {
        await using var db = Db();
        return await db.DailyUsage.AsNoTracking().SingleOrDefaultAsync(u => u.OpenId == openId && u.Day == day, TestContext.Current.CancellationToken);
    }

    private WeChatDbContext Db() => new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(_h.Database + ";Pooling=false").Options);
}
