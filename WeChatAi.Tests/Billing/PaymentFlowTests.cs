using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Billing;

/// <summary>
/// Settlement over real HTTP (two API replicas), real PostgreSQL and Redis, against a fake WeChat Pay: notifications
/// credit once whatever arrives twice or concurrently, forged ones never, refunds take the credits back once, and the
/// reconciliation job settles a payment whose notification never came.
/// </summary>
public sealed class PaymentFlowTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static readonly HttpClient Http = new();
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Twenty_concurrent_duplicate_notifications_credit_once_and_queue_one_notice()
    {
        const string user = "o-pay-dup";
        var order = await fixture.OrderAsync(user);
        await fixture.LoadEmptyBalanceAsync(user);
        var notification = fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(order.OutTradeNo));

        // The same notification 20 times across both replicas, and WeChat Pay's redelivery under another id.
        var posts = Enumerable.Range(0, 20).Select(i => FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(i % 2), notification)).ToList();
        posts.Add(FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(order.OutTradeNo))));
        var statuses = await Task.WhenAll(posts);

        Assert.All(statuses, status => Assert.Equal(204, status));
        var paid = await fixture.ReloadAsync(order.OutTradeNo);
        Assert.Equal(OrderState.Paid, paid.State);
        Assert.Equal(600, paid.PaidAmountFen);
        var grant = Assert.Single(await fixture.LedgerAsync(user));
        Assert.Equal((CreditEntryKind.Grant, 100, paid.Id), (grant.Kind, grant.Credits, grant.OrderId!.Value));
        Assert.Equal(100, (long)await fixture.Redis.HashGetAsync(BillingKeys.Credits(TestShards.Of(user), PaymentFixture.AppId, user), BillingKeys.BalanceField));
        var notices = (await fixture.Redis.JobEntriesAsync()).Select(AiJob.FromStreamEntry).Where(j => j.OpenId == user).ToList();
        var notice = Assert.Single(notices);
        Assert.True(notice.Notice);
        Assert.Contains("充值成功", notice.Content, StringComparison.Ordinal);
        await using var db = fixture.Db();
        Assert.Equal(2, await db.PaymentNotifications.CountAsync(n => n.OutTradeNo == order.OutTradeNo, Ct));
    }

    [Fact]
    public async Task Tampered_stale_probing_and_unsigned_notifications_are_refused_and_never_credited()
    {
        const string user = "o-pay-forged";
        var order = await fixture.OrderAsync(user);
        var resource = fixture.Pay.Pay(order.OutTradeNo);
        var good = fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", resource);

        var tampered = (byte[])good.Body.Clone();
        tampered[^5] ^= 1;
        var stale = fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", resource, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 400);
        var reserialized = JsonSerializer.SerializeToUtf8Bytes(JsonDocument.Parse(good.Body).RootElement, Indented);

        Assert.Equal(401, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), (good.Headers, tampered)));
        Assert.Equal(401, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(1), stale));
        Assert.Equal(401, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), (good.Headers with { Signature = WeChatPayVerifier.SignTestPrefix + good.Headers.Signature }, good.Body)));
        Assert.Equal(401, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(1), (good.Headers with { Serial = "PUB_KEY_ID_SOMEONE_ELSE" }, good.Body)));
        Assert.Equal(401, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), (good.Headers, reserialized)));
        using (var unsigned = await Http.PostAsync(fixture.NotifyUrl(1), new ByteArrayContent(good.Body), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
            Assert.Equal("FAIL", (await unsigned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        }

        Assert.Equal(OrderState.Pending, (await fixture.ReloadAsync(order.OutTradeNo)).State);
        Assert.Empty(await fixture.LedgerAsync(user));
        await using var db = fixture.Db();
        Assert.False(await db.PaymentNotifications.AnyAsync(n => n.OutTradeNo == order.OutTradeNo, Ct));
    }

    [Fact]
    public async Task An_amount_mismatch_or_an_unknown_order_is_flagged_and_never_credited()
    {
        const string user = "o-pay-mismatch";
        var order = await fixture.OrderAsync(user);
        var cheap = fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(order.OutTradeNo, total: 1));
        var unknown = fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction",
            $$$"""{"appid":"{{{PaymentFixture.AppId}}}","mchid":"{{{FakeWeChatPayServer.MchId}}}","out_trade_no":"WT-not-ours-123","transaction_id":"4200000000","trade_state":"SUCCESS","amount":{"total":600,"currency":"CNY"},"payer":{"openid":"{{{user}}}"}}""");

        Assert.Equal(204, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), cheap));
        Assert.Equal(204, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(1), unknown));

        var flagged = await fixture.ReloadAsync(order.OutTradeNo);
        Assert.True(flagged.Mismatch);
        Assert.Contains("amount.total 1", flagged.MismatchReason, StringComparison.Ordinal);
        Assert.Equal(OrderState.Pending, flagged.State);
        Assert.Empty(await fixture.LedgerAsync(user));
        await using var db = fixture.Db();
        Assert.Equal(WeChatAi.Api.Billing.Payments.PaymentSettlement.UnknownOrder, (await db.PaymentNotifications.SingleAsync(n => n.OutTradeNo == "WT-not-ours-123", Ct)).Outcome);

        // The correct amount afterwards does not clear the flag: an operator looks first.
        Assert.Equal(204, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(order.OutTradeNo))));
        Assert.Empty(await fixture.LedgerAsync(user));
    }

    [Fact]
    public async Task A_refund_reverses_the_credits_once()
    {
        const string user = "o-pay-refund";
        var order = await fixture.OrderAsync(user);
        await fixture.LoadEmptyBalanceAsync(user);
        Assert.Equal(204, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(0), fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(order.OutTradeNo))));

        using (var anonymous = await Http.PostAsync(new Uri(fixture.Apis[0].BaseAddress, $"/api/admin/orders/{order.OutTradeNo}/refund"), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Accepted, await RefundAsync(0, order.OutTradeNo));
        Assert.Equal(HttpStatusCode.Accepted, await RefundAsync(1, order.OutTradeNo)); // the operator retries: same out_refund_no
        var refund = Assert.Single(fixture.Pay.Refunds.Values, r => r.Order.OutTradeNo == order.OutTradeNo);
        Assert.Equal(("R" + order.OutTradeNo, 600L), (refund.OutRefundNo, refund.Amount));
        Assert.Equal(OrderState.Refunding, (await fixture.ReloadAsync(order.OutTradeNo)).State);

        refund.Status = WeChatPayRefundStatus.Success;
        var resource = FakeWeChatPayServer.RefundResource(refund);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(i % 2), fixture.Pay.Notification(WeChatPayEvents.RefundSuccess, "refund", resource))));

        Assert.All(statuses, status => Assert.Equal(204, status));
        var ledger = await fixture.LedgerAsync(user);
        Assert.Equal([CreditEntryKind.Grant, CreditEntryKind.Reversal], ledger.Select(e => e.Kind));
        Assert.Equal(0, ledger.Sum(e => e.Credits));
        Assert.Equal(0, (long)await fixture.Redis.HashGetAsync(BillingKeys.Credits(TestShards.Of(user), PaymentFixture.AppId, user), BillingKeys.BalanceField));
        Assert.Equal(OrderState.Refunded, (await fixture.ReloadAsync(order.OutTradeNo)).State);
        await using var db = fixture.Db();
        var row = await db.Refunds.AsNoTracking().SingleAsync(r => r.OutTradeNo == order.OutTradeNo, Ct);
        Assert.Equal((RefundState.Success, 100), (row.State, row.CreditsReversed));
        Assert.Equal(HttpStatusCode.OK, await RefundAsync(0, order.OutTradeNo));
    }

    [Fact]
    public async Task Refunding_an_unpaid_or_unknown_order_is_refused()
    {
        var order = await fixture.OrderAsync("o-pay-unpaid");

        Assert.Equal(HttpStatusCode.Conflict, await RefundAsync(0, order.OutTradeNo));
        Assert.Equal(HttpStatusCode.NotFound, await RefundAsync(1, "WT-no-such-order"));
    }

    [Fact]
    public async Task The_query_job_settles_a_paid_order_whose_notification_never_came_and_closes_expired_ones()
    {
        const string user = "o-pay-query";
        var paid = await fixture.OrderAsync(user, age: TimeSpan.FromMinutes(3));
        fixture.Pay.Pay(paid.OutTradeNo);
        var expired = await fixture.OrderAsync("o-pay-expired", age: TimeSpan.FromMinutes(45));
        var neverSent = await fixture.OrderAsync("o-pay-never", age: TimeSpan.FromMinutes(45), atWeChatPay: false);
        var young = await fixture.OrderAsync("o-pay-young", age: TimeSpan.FromMinutes(3));

        await WaitUntilAsync(async () => (await fixture.ReloadAsync(paid.OutTradeNo)).State == OrderState.Paid
            && (await fixture.ReloadAsync(expired.OutTradeNo)).State == OrderState.Closed
            && (await fixture.ReloadAsync(neverSent.OutTradeNo)).State == OrderState.Closed);

        var grant = Assert.Single(await fixture.LedgerAsync(user));
        Assert.Equal(100, grant.Credits);
        Assert.Equal(WeChatPayTradeState.Closed, fixture.Pay.Orders[expired.OutTradeNo].TradeState);
        Assert.Equal(OrderState.Pending, (await fixture.ReloadAsync(young.OutTradeNo)).State);

        // The late notification afterwards changes nothing.
        Assert.Equal(204, await FakeWeChatPayServer.PostAsync(Http, fixture.NotifyUrl(1), fixture.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction", fixture.Pay.Pay(paid.OutTradeNo))));
        Assert.Single(await fixture.LedgerAsync(user));
    }

    private async Task<HttpStatusCode> RefundAsync(int replica, string outTradeNo)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Apis[replica].BaseAddress, $"/api/admin/orders/{outTradeNo}/refund"))
        {
            Content = JsonContent.Create(new { reason = "用户申请退款" }),
        };
        request.Headers.Add("X-Admin-Key", PaymentFixture.AdminKey);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the reconciliation job did not get there in 30 s");
            await Task.Delay(200);
        }
    }
}
