using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Tests.Fakes;

namespace WeChatAi.Tests.Simulator;

/// <summary>
/// The simulator's WeChat Pay, OAuth and "WeChat browser" over HTTP, driven by our own <see cref="WeChatPayClient"/>:
/// each side checks the other's signatures with keys generated here, as the AppHost generates them.
/// </summary>
public sealed class SimulatorWeChatPayTests : IAsyncLifetime
{
    private const string MchId = "1900012345";
    private const string Serial = "3775B6A45ACD588826D15E583A95F5DD12345678";
    private const string PublicKeyId = "PUB_KEY_ID_0119000123452025120100000000000001";
    private const string ApiV3Key = "SimulatorApiV3Key0123456789abcde";

    private readonly RSA _merchant = RSA.Create(2048);
    private readonly RSA _pay = RSA.Create(2048);
    private MerchantSite _site = null!;
    private SimulatorProcess _simulator = null!;

    public async ValueTask InitializeAsync()
    {
        _site = await MerchantSite.StartAsync();
        _simulator = await SimulatorProcess.StartAsync(new Uri(_site.BaseAddress, "/wechat"), extra: PayEnvironment());
    }

    /// <summary>The simulated merchant's keys, as the AppHost gives them (plus whatever <paramref name="extra"/> adds).</summary>
    private Dictionary<string, string?> PayEnvironment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Simulator__Pay__MchId"] = MchId,
            ["Simulator__Pay__MerchantSerialNo"] = Serial,
            ["Simulator__Pay__MerchantPublicKey"] = _merchant.ExportSubjectPublicKeyInfoPem(),
            ["Simulator__Pay__PublicKeyId"] = PublicKeyId,
            ["Simulator__Pay__PayPrivateKey"] = _pay.ExportPkcs8PrivateKeyPem(),
            ["Simulator__Pay__ApiV3Key"] = ApiV3Key,
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        await _simulator.DisposeAsync();
        await _site.DisposeAsync();
        _merchant.Dispose();
        _pay.Dispose();
    }

    [Fact]
    public async Task A_jsapi_payment_confirmed_with_a_valid_paySign_is_notified_signed_and_encrypted()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, keys) = Client(_merchant.ExportPkcs8PrivateKeyPem());
        using (keys)
        {
            var prepayId = await client.JsapiPrepayAsync(new JsapiPrepayRequest(SimulatorProcess.AppId, "100 次提问", "WS20261201p1", 600, "o-sim-payer"), ct);
            var parameters = client.CreateJsapiPayParameters(SimulatorProcess.AppId, prepayId);

            var forged = await ConfirmAsync(parameters with { PaySign = parameters.PaySign[..^4] + "AAA=" });
            Assert.Equal("get_brand_wcpay_request:fail", forged);
            Assert.Equal("get_brand_wcpay_request:ok", await ConfirmAsync(parameters));
            Assert.Equal("get_brand_wcpay_request:fail", await ConfirmAsync(parameters)); // paid already

            var (headers, body) = await _site.Notifications.Reader.ReadAsync(ct);
            var notification = new WeChatPayNotifications(keys).Read(headers, body);
            Assert.Equal(WeChatPayEvents.TransactionSuccess, notification.EventType);
            Assert.Equal(("WS20261201p1", WeChatPayTradeState.Success, 600L, "o-sim-payer"),
                (notification.Transaction!.OutTradeNo, notification.Transaction.TradeState, notification.Transaction.Amount!.Total!.Value, notification.Transaction.Payer!.OpenId));
            Assert.Equal(WeChatPayTradeState.Success, (await client.QueryByOutTradeNoAsync("WS20261201p1", ct)).TradeState);

            var refund = await client.RefundAsync(new WeChatPayRefundRequest("WS20261201p1", "RWS20261201p1", 600, 600), ct);
            Assert.Equal(WeChatPayRefundStatus.Processing, refund.State);
            var (refundHeaders, refundBody) = await _site.Notifications.Reader.ReadAsync(ct);
            var refunded = new WeChatPayNotifications(keys).Read(refundHeaders, refundBody);
            Assert.Equal((WeChatPayEvents.RefundSuccess, "RWS20261201p1"), (refunded.EventType, refunded.Refund!.OutRefundNo));
        }
    }

    [Fact]
    public async Task With_a_data_directory_an_order_paid_before_a_restart_is_still_known_and_can_be_refunded()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Directory.CreateTempSubdirectory("wechatai-simpay-").FullName;
        try
        {
            var environment = PayEnvironment(("Simulator__DataDirectory", data));
            await using (var first = await SimulatorProcess.StartAsync(new Uri(_site.BaseAddress, "/wechat"), extra: environment))
            {
                var (client, keys) = Client(_merchant.ExportPkcs8PrivateKeyPem(), first);
                using (keys)
                {
                    var prepayId = await client.JsapiPrepayAsync(new JsapiPrepayRequest(SimulatorProcess.AppId, "30 次提问", "WS20261207r1", 300, "o-sim-yesterday"), ct);
                    Assert.Equal("get_brand_wcpay_request:ok", await ConfirmAsync(client.CreateJsapiPayParameters(SimulatorProcess.AppId, prepayId), first));
                    await _site.Notifications.Reader.ReadAsync(ct); // the payment's notification
                }

                Assert.Equal(0, await first.StopAsync());
            }

            await using var second = await SimulatorProcess.StartAsync(new Uri(_site.BaseAddress, "/wechat"), extra: environment);
            var (again, againKeys) = Client(_merchant.ExportPkcs8PrivateKeyPem(), second);
            using (againKeys)
            {
                Assert.Equal(WeChatPayTradeState.Success, (await again.QueryByOutTradeNoAsync("WS20261207r1", ct)).TradeState);
                Assert.Equal(WeChatPayRefundStatus.Processing, (await again.RefundAsync(new WeChatPayRefundRequest("WS20261207r1", "RWS20261207r1", 300, 300), ct)).State);
                var (headers, body) = await _site.Notifications.Reader.ReadAsync(ct);
                Assert.Equal("RWS20261207r1", new WeChatPayNotifications(againKeys).Read(headers, body).Refund!.OutRefundNo);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_request_signed_with_another_merchant_key_is_refused()
    {
        using var other = RSA.Create(2048);
        var (client, keys) = Client(other.ExportPkcs8PrivateKeyPem());
        using (keys)
        {
            var error = await Assert.ThrowsAsync<WeChatPayApiException>(() => client.QueryByOutTradeNoAsync("WS20261201x9", TestContext.Current.CancellationToken));

            Assert.Equal((HttpStatusCode.Unauthorized, "SIGN_ERROR", true), (error.StatusCode, error.Code, error.Verified));
        }
    }

    [Fact]
    public async Task OAuth_gives_a_single_use_code_for_the_browsers_user()
    {
        var ct = TestContext.Current.CancellationToken;
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _simulator.Client.BaseAddress };
        using (await noRedirect.PostAsJsonAsync("/sim/browser/user", new { openId = "o-sim-oauth" }, ct))
        {
        }

        using var authorize = await noRedirect.GetAsync(
            $"/connect/oauth2/authorize?appid={SimulatorProcess.AppId}&redirect_uri={Uri.EscapeDataString("https://ai.example.com/pay/oauth")}&response_type=code&scope=snsapi_base&state=s1", ct);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var location = authorize.Headers.Location!;
        Assert.StartsWith("https://ai.example.com/pay/oauth?code=", location.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("&state=s1", location.ToString(), StringComparison.Ordinal);
        var code = location.Query.Split('&')[0]["?code=".Length..];

        var exchange = $"/sns/oauth2/access_token?appid={SimulatorProcess.AppId}&secret={SimulatorProcess.AppSecret}&code={code}&grant_type=authorization_code";
        Assert.Equal("o-sim-oauth", (await noRedirect.GetFromJsonAsync<JsonElement>(exchange, ct)).GetProperty("openid").GetString());
        Assert.Equal(40029, (await noRedirect.GetFromJsonAsync<JsonElement>(exchange, ct)).GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task The_wechat_browser_serves_the_merchants_pages_with_the_bridge_and_wechats_user_agent()
    {
        var html = await _simulator.Client.GetStringAsync(new Uri("/pay?x=1", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Contains("<head><script src=\"/sim/wechat-bridge.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("MicroMessenger/", _site.LastUserAgent, StringComparison.Ordinal);
        Assert.Contains("WeixinJSBridge", await _simulator.Client.GetStringAsync(new Uri("/sim/wechat-bridge.js", UriKind.Relative), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private async Task<string?> ConfirmAsync(JsapiPayParameters parameters, SimulatorProcess? simulator = null)
    {
        using var response = await (simulator ?? _simulator).Client.PostAsJsonAsync(new Uri("/sim/pay/confirm", UriKind.Relative), parameters, TestContext.Current.CancellationToken);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("err_msg").GetString();
    }

    private (WeChatPayClient Client, WeChatPayKeys Keys) Client(string merchantPrivateKey, SimulatorProcess? simulator = null)
    {
        simulator ??= _simulator;
        var options = Options.Create(new WeChatPayOptions
        {
            MchId = MchId,
            MerchantSerialNo = Serial,
            MerchantPrivateKey = merchantPrivateKey,
            PublicKeyId = PublicKeyId,
            PublicKey = _pay.ExportSubjectPublicKeyInfoPem(),
            ApiV3Key = ApiV3Key,
            BaseUrl = simulator.Client.BaseAddress!.ToString(),
            NotifyUrl = new Uri(_site.BaseAddress, "/api/pay/notify").ToString(),
        });
        var keys = new WeChatPayKeys(options, TimeProvider.System);
        return (new WeChatPayClient(simulator.Client, keys, options, TimeProvider.System), keys);
    }

    /// <summary>The merchant's side: receives notifications, and serves a page for the browser.</summary>
    private sealed class MerchantSite : FakeHttpServer
    {
        public System.Threading.Channels.Channel<(WeChatPaySignatureHeaders Headers, byte[] Body)> Notifications { get; } =
            System.Threading.Channels.Channel.CreateUnbounded<(WeChatPaySignatureHeaders, byte[])>();

        public string LastUserAgent { get; private set; } = "";

        public static async Task<MerchantSite> StartAsync()
        {
            var site = new MerchantSite();
            await site.StartAsyncCore();
            return site;
        }

        protected override void Map(WebApplication app)
        {
            app.MapPost("/api/pay/notify", async (HttpRequest request) =>
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer);
                await Notifications.Writer.WriteAsync((WeChatPaySignatureHeaders.From(request.Headers), buffer.ToArray()));
                return Results.NoContent();
            });
            app.MapGet("/pay", (HttpRequest request) =>
            {
                LastUserAgent = request.Headers.UserAgent.ToString();
                return Results.Content("<!doctype html><html><head><title>pay</title></head><body>pay</body></html>", "text/html; charset=utf-8", Encoding.UTF8);
            });
        }
    }
}
