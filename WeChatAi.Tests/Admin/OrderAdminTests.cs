using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Tests.Billing;
using WeChatAi.Tests.Fakes;

namespace WeChatAi.Tests.Admin;

/// <summary>The console's orders and revenue, and the audited refund, on two real API replicas with a fake WeChat Pay.</summary>
public sealed class OrderAdminTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private const string Operator = "ops-li";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Orders_filter_by_state_user_and_time_and_revenue_has_every_China_day_with_its_refunds()
    {
        // Revenue counts every order in the class's database, so this test's orders are measured as what they add.
        var before = await RevenueAsync();
        // Created oldest first, as orders are: the list is newest (highest id) first.
        var now = DateTimeOffset.UtcNow;
        var old = await fixture.OrderAsync("oOrdersB", amountFen: 900, age: TimeSpan.FromDays(10));
        var yesterdayPaid = await fixture.OrderAsync("oOrdersA", amountFen: 600, age: TimeSpan.FromDays(1));
        var todayPaid = await fixture.OrderAsync("oOrdersA", amountFen: 100);
        var pending = await fixture.OrderAsync("oOrdersB", amountFen: 300);
        await using (var db = fixture.Db())
        {
            await db.Orders.Where(o => o.Id == yesterdayPaid.Id).ExecuteUpdateAsync(o => o.SetProperty(x => x.State, OrderState.Refunded).SetProperty(x => x.PaidAt, now.AddDays(-1)).SetProperty(x => x.RefundedAt, now), Ct);
            await db.Orders.Where(o => o.Id == todayPaid.Id).ExecuteUpdateAsync(o => o.SetProperty(x => x.State, OrderState.Paid).SetProperty(x => x.PaidAt, now), Ct);
            db.Refunds.Add(new Refund
            {
                OutRefundNo = "R" + yesterdayPaid.OutTradeNo, OrderId = yesterdayPaid.Id, OutTradeNo = yesterdayPaid.OutTradeNo, AmountFen = 600,
                State = RefundState.Success, CreatedAt = now, UpdatedAt = now, SucceededAt = now,
            });
            await db.SaveChangesAsync(Ct);
        }

        Assert.Equal([todayPaid.OutTradeNo, yesterdayPaid.OutTradeNo], await OutTradeNosAsync("openId=oOrdersA"));
        Assert.Equal([todayPaid.OutTradeNo], await OutTradeNosAsync("openId=oOrdersA&state=paid"));
        Assert.Equal([yesterdayPaid.OutTradeNo], await OutTradeNosAsync("state=Refunded"));
        Assert.Equal([pending.OutTradeNo], await OutTradeNosAsync($"openId=oOrdersB&from={Uri.EscapeDataString(now.AddDays(-2).ToString("O"))}"));
        Assert.Equal([old.OutTradeNo], await OutTradeNosAsync($"openId=oOrdersB&to={BillingDay.Of(now.AddDays(-5)):yyyy-MM-dd}"));

        var first = await GetAsync("/api/admin/orders?openId=oOrdersB&count=1");
        var order = Assert.Single(first.Body.GetProperty("items").EnumerateArray());
        Assert.Equal((pending.OutTradeNo, "pending", "jsapi", 300, "oOrdersB"), (order.GetProperty("outTradeNo").GetString(), order.GetProperty("state").GetString(),
            order.GetProperty("channel").GetString(), order.GetProperty("amountFen").GetInt32(), order.GetProperty("openId").GetString()));
        var next = await GetAsync($"/api/admin/orders?openId=oOrdersB&before={first.Body.GetProperty("nextBefore").GetInt64()}");
        Assert.Equal([old.OutTradeNo], next.Body.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("outTradeNo").GetString()));
        Assert.Equal(JsonValueKind.Null, next.Body.GetProperty("nextBefore").ValueKind);

        var revenue = await RevenueAsync(replica: 1);
        var today = BillingDay.Of(now);
        Assert.Equal([today.AddDays(-2), today.AddDays(-1), today], revenue.Select(d => d.Day));
        Assert.Equal([(0, 0L, 0L), (1, 600L, 0L), (1, 100L, 600L)], revenue.Zip(before, (after, was) => (after.PaidOrders - was.PaidOrders, after.RevenueFen - was.RevenueFen, after.RefundedFen - was.RefundedFen)));
        Assert.Equal(30, (await GetAsync("/api/admin/revenue")).Body.GetArrayLength());

        foreach (var (query, field) in new[] { ("state=lost", "state"), ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("state=1", "state") })
        {
            var (status, problem) = await GetAsync($"/api/admin/orders?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/api/admin/orders?before=x")).Status);
        foreach (var days in new[] { "0", "367", "many" })
        {
            var (status, problem) = await GetAsync($"/api/admin/revenue?days={days}");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("days", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_refund_is_audited_with_the_operator_in_its_transaction()
    {
        const string user = "oRefundAudit";
        var order = await fixture.OrderAsync(user);
        await fixture.LoadEmptyBalanceAsync(user);
        using var http = new HttpClient();
        Assert.Equal(204, await FakeWeChatPayServer.PostAsync(http, fixture.NotifyUrl(0), fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(order.OutTradeNo))));

        var refused = await AdminApi.SendAsync(fixture.Apis[1].Client, HttpMethod.Post, $"/api/admin/orders/{order.OutTradeNo}/refund", Headers(), $$"""{"reason":"{{new string('因', 81)}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        var refund = await AdminApi.SendAsync(fixture.Apis[1].Client, HttpMethod.Post, $"/api/admin/orders/{order.OutTradeNo}/refund", Headers(), """{"reason":"用户申请"}""");
        Assert.Equal(HttpStatusCode.Accepted, refund.Status);

        await using var db = fixture.Db();
        var audit = Assert.Single(await db.AdminAudit.AsNoTracking().Where(a => a.Target == $"order:{order.OutTradeNo}").ToListAsync(Ct));
        Assert.Equal(("order.refund", Operator), (audit.Action, audit.Actor));
        var detail = JsonDocument.Parse(audit.Detail!).RootElement;
        Assert.Equal(("R" + order.OutTradeNo, "600", "用户申请"), (detail.GetProperty("outRefundNo").GetString(), detail.GetProperty("amountFen").GetString(), detail.GetProperty("reason").GetString()));
    }

    private static Dictionary<string, string> Headers() => new() { ["X-Admin-Key"] = PaymentFixture.AdminKey, ["X-Admin-Operator"] = Operator };

    private Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, int replica = 0) =>
        AdminApi.SendAsync(fixture.Apis[replica].Client, HttpMethod.Get, path, Headers());

    private async Task<List<(DateOnly Day, int PaidOrders, long RevenueFen, long RefundedFen)>> RevenueAsync(int replica = 0)
    {
        var (status, body) = await GetAsync("/api/admin/revenue?days=3", replica);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return [.. body.EnumerateArray().Select(d => (DateOnly.Parse(d.GetProperty("day").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            d.GetProperty("paidOrders").GetInt32(), d.GetProperty("revenueFen").GetInt64(), d.GetProperty("refundedFen").GetInt64()))];
    }

    private async Task<List<string?>> OutTradeNosAsync(string query)
    {
        var (status, body) = await GetAsync($"/api/admin/orders?{query}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return [.. body.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("outTradeNo").GetString())];
    }
}
