using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Tests.Fakes;

namespace WeChatAi.Tests.WeChatPay;

/// <summary><see cref="WeChatPayClient"/> over HTTP against a fake WeChat Pay that checks its signatures and signs its answers.</summary>
public sealed class WeChatPayClientTests : IAsyncLifetime
{
    private const string AppId = "wx2421b1c4370ec43b";
    private FakeWeChatPayServer _pay = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _pay = await FakeWeChatPayServer.StartAsync();
        _http = new HttpClient { BaseAddress = _pay.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _pay.DisposeAsync();
    }

    [Fact]
    public async Task JsapiPrepaySendsASignedOrderAndReturnsThePrepayId()
    {
        var client = Client(out _);

        var prepayId = await client.JsapiPrepayAsync(new JsapiPrepayRequest(AppId, "WeChatAi 充值 100 次", "WA20261201x1", 600, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.Zero), "pack-100"), TestContext.Current.CancellationToken);

        Assert.StartsWith("wx", prepayId, StringComparison.Ordinal);
        Assert.Equal(0, _pay.BadSignatures);
        var (method, target, body) = Assert.Single(_pay.Requests);
        Assert.Equal(("POST", "/v3/pay/transactions/jsapi"), (method, target));
        var json = JsonNode.Parse(body)!;
        Assert.Equal(AppId, json["appid"]!.GetValue<string>());
        Assert.Equal(FakeWeChatPayServer.MchId, json["mchid"]!.GetValue<string>());
        Assert.Equal("https://pay.example.com/api/pay/notify", json["notify_url"]!.GetValue<string>());
        Assert.Equal(600, json["amount"]!["total"]!.GetValue<long>());
        Assert.Equal("CNY", json["amount"]!["currency"]!.GetValue<string>());
        Assert.Equal("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", json["payer"]!["openid"]!.GetValue<string>());
        Assert.Equal("2026-12-01T18:30:00+08:00", json["time_expire"]!.GetValue<string>());
        Assert.Equal("pack-100", json["attach"]!.GetValue<string>());
    }

    [Fact]
    public async Task NativePrepayReturnsTheCodeUrl()
    {
        var codeUrl = await Client(out _).NativePrepayAsync(new NativePrepayRequest(AppId, "WeChatAi 充值", "WA20261201n1", 100), TestContext.Current.CancellationToken);

        Assert.StartsWith("weixin://wxpay/bizpayurl?pr=", codeUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryCloseAndRefundFollowTheOrder()
    {
        var client = Client(out _);
        var ct = TestContext.Current.CancellationToken;
        const string No = "WA_12|34*5-x";
        await client.JsapiPrepayAsync(new JsapiPrepayRequest(AppId, "充值", No, 600, "openid-1"), ct);

        Assert.Equal(WeChatPayTradeState.NotPay, (await client.QueryByOutTradeNoAsync(No, ct)).TradeState);
        _pay.Pay(No);
        var paid = await client.QueryByOutTradeNoAsync(No, ct);
        Assert.Equal((WeChatPayTradeState.Success, 600L, "openid-1"), (paid.TradeState, paid.Amount!.Total!.Value, paid.Payer!.OpenId));
        var closePaid = await Assert.ThrowsAsync<WeChatPayApiException>(() => client.CloseAsync(No, ct));
        Assert.Equal("ORDERPAID", closePaid.Code);

        var refund = await client.RefundAsync(new WeChatPayRefundRequest(No, "RF_12|34*5-x", 600, 600, "用户申请"), ct);
        Assert.Equal(WeChatPayRefundStatus.Processing, refund.State);
        Assert.Equal("RF_12|34*5-x", (await client.QueryRefundAsync("RF_12|34*5-x", ct)).OutRefundNo);
        Assert.Equal(0, _pay.BadSignatures);
    }

    [Fact]
    public async Task CloseAnUnpaidOrderAnswers204()
    {
        var client = Client(out _);
        var ct = TestContext.Current.CancellationToken;
        await client.JsapiPrepayAsync(new JsapiPrepayRequest(AppId, "充值", "WA20261201c1", 600, "openid-1"), ct);

        await client.CloseAsync("WA20261201c1", ct);

        Assert.Equal(WeChatPayTradeState.Closed, _pay.Orders["WA20261201c1"].TradeState);
    }

    [Fact]
    public async Task AnErrorKeepsWeChatPaysCodeAndSaysItWasSigned()
    {
        var error = await Assert.ThrowsAsync<WeChatPayApiException>(() => Client(out _).QueryByOutTradeNoAsync("WA-never-seen", TestContext.Current.CancellationToken));

        Assert.Equal((HttpStatusCode.NotFound, "ORDER_NOT_EXIST", true), (error.StatusCode, error.Code, error.Verified));
    }

    [Fact]
    public async Task AnUnsignedSuccessIsForged()
    {
        var client = Client(out _);
        _pay.StripSignatures = true;

        await Assert.ThrowsAsync<WeChatPaySignatureException>(() => client.NativePrepayAsync(new NativePrepayRequest(AppId, "充值", "WA20261201f1", 100), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnotherMerchantKeyIsRefusedByWeChatPay()
    {
        var options = _pay.Options("https://pay.example.com/api/pay/notify");
        using var other = System.Security.Cryptography.RSA.Create(2048);
        options.MerchantPrivateKey = other.ExportPkcs8PrivateKeyPem();
        using var keys = new WeChatPayKeys(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        var client = new WeChatPayClient(_http, keys, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);

        var error = await Assert.ThrowsAsync<WeChatPayApiException>(() => client.QueryByOutTradeNoAsync("WA20261201k1", TestContext.Current.CancellationToken));

        Assert.Equal((HttpStatusCode.Unauthorized, "SIGN_ERROR"), (error.StatusCode, error.Code));
        Assert.Equal(1, _pay.BadSignatures);
    }

    [Fact]
    public async Task NoAnswerIsATransportError()
    {
        var options = _pay.Options("https://pay.example.com/api/pay/notify");
        using var keys = new WeChatPayKeys(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        using var closed = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Infrastructure.FreePort.Next()}") };
        var client = new WeChatPayClient(closed, keys, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);

        await Assert.ThrowsAsync<WeChatPayTransportException>(() => client.QueryByOutTradeNoAsync("WA20261201t1", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has space 123")]
    [InlineData("WA123456789012345678901234567890123")]
    public async Task ABadOutTradeNoIsRefusedBeforeSending(string outTradeNo)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client(out _).QueryByOutTradeNoAsync(outTradeNo, TestContext.Current.CancellationToken));
        Assert.Empty(_pay.Requests);
    }

    [Fact]
    public void JsapiPayParametersAreSignedWithTheMerchantKey()
    {
        var client = Client(out var options);

        var pay = client.CreateJsapiPayParameters(AppId, "wx201410272009395522657a690389285100");

        using var merchantPublic = System.Security.Cryptography.RSA.Create();
        merchantPublic.ImportFromPem(options.MerchantPrivateKey);
        Assert.True(WeChatPayRsa.Verify(merchantPublic,
            System.Text.Encoding.UTF8.GetBytes($"{AppId}\n{pay.TimeStamp}\n{pay.NonceStr}\nprepay_id=wx201410272009395522657a690389285100\n"), pay.PaySign));
    }

    private WeChatPayClient Client(out WeChatPayOptions options)
    {
        options = _pay.Options("https://pay.example.com/api/pay/notify");
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        return new WeChatPayClient(_http, new WeChatPayKeys(wrapped, TimeProvider.System), wrapped, TimeProvider.System);
    }
}
