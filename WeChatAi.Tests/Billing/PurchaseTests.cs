using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Billing;

/// <summary>The purchase page over real HTTP: OAuth sign-in, the payer cookie across replicas, orders and prepay.</summary>
public sealed class PurchaseTests(PurchaseFixture app) : IClassFixture<PurchaseFixture>
{
    [Fact]
    public async Task Pay_without_a_cookie_redirects_to_WeChats_snsapi_base_authorize_page()
    {
        using var browser = app.NewBrowser();

        using var response = await browser.GetAsync(browser.OnReplica("/pay", 0));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith($"{app.OAuth.BaseAddress}connect/oauth2/authorize?appid={PurchaseFixture.AppId}&redirect_uri=", location, StringComparison.Ordinal);
        Assert.Contains("redirect_uri=" + Uri.EscapeDataString("http://pay.example.test/pay/oauth"), location, StringComparison.Ordinal);
        Assert.Contains("&response_type=code&scope=snsapi_base&state=", location, StringComparison.Ordinal);
        Assert.EndsWith("#wechat_redirect", location, StringComparison.Ordinal);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("wechatai_oauth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Signing_in_gives_a_cookie_both_replicas_accept_and_me_reports_the_quota()
    {
        using var browser = app.NewBrowser();
        await browser.SignInAsync("o-signin");

        using var page = await browser.GetAsync(browser.OnReplica("/pay", 0));
        var (status, me) = await GetJsonAsync(browser, "/api/me", 1);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("购买提问积分", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("o-signin", me.GetProperty("openId").GetString());
        Assert.Equal(20, me.GetProperty("freeLeftToday").GetInt32());
        Assert.Equal(0, me.GetProperty("credits").GetInt64());
        Assert.Empty(me.GetProperty("orders").EnumerateArray());
    }

    [Fact]
    public async Task Without_Api_PayFrameAncestors_no_page_may_show_the_purchase_page_in_a_frame()
    {
        using var browser = app.NewBrowser();
        await browser.SignInAsync("o-frame");

        using var page = await browser.GetAsync(browser.OnReplica("/pay", 0));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.EndsWith("frame-ancestors 'none'", string.Join(';', page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_foreign_or_reused_state_is_refused_with_400()
    {
        using var browser = app.NewBrowser();
        var callback = await browser.SignInAsync("o-state");

        // The same callback again, with the state cookie put back: the state was used up.
        using var replayer = app.NewBrowser();
        using (var start = await replayer.GetAsync(replayer.OnReplica("/pay", 0)))
        {
            Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        }

        var state = System.Web.HttpUtility.ParseQueryString(callback.Query)["state"]!;
        var code = app.OAuth.IssueCode("o-state");
        using var foreign = await replayer.GetAsync(replayer.OnReplica($"/pay/oauth?code={code}&state={state}", 0));
        using var missing = await replayer.GetAsync(replayer.OnReplica($"/pay/oauth?code={code}", 0));
        using var stranger = app.NewBrowser();
        using var noCookie = await stranger.GetAsync(stranger.OnReplica($"/pay/oauth?code={code}&state={state}", 1));

        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Contains("does not belong", await foreign.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("state is missing", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noCookie.StatusCode);

        // Replay: a browser that holds the matching state cookie, after the state was spent.
        using var again = app.NewBrowser();
        using (var start = await again.GetAsync(again.OnReplica("/pay", 0)))
        {
            var location = start.Headers.Location!;
            var fresh = System.Web.HttpUtility.ParseQueryString(location.Query)["state"]!;
            using var first = await again.GetAsync(again.OnReplica($"/pay/oauth?code={app.OAuth.IssueCode("o-state")}&state={fresh}", 0));
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
            var stateCookie = start.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("wechatai_oauth=", StringComparison.Ordinal)).Split(';')[0];
            using var request = new HttpRequestMessage(HttpMethod.Get, again.OnReplica($"/pay/oauth?code={app.OAuth.IssueCode("o-state")}&state={fresh}", 1));
            request.Headers.Add("Cookie", stateCookie);
            using var replay = await new HttpClient().SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
            Assert.Contains("already used", await replay.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_absent_or_forged_cookie_is_401_and_a_post_without_the_csrf_token_is_403()
    {
        using var anonymous = app.NewBrowser();
        var (absent, _) = await GetJsonAsync(anonymous, "/api/me", 0);

        using var forger = app.NewBrowser();
        forger.Cookies.Add(forger.OnReplica("/", 0), new Cookie("wechatai_payer", "CfDJ8forged-openid-o-victim"));
        var (forged, _) = await GetJsonAsync(forger, "/api/me", 0);
        var (postForged, _) = await PostOrderAsync(forger, """{"productId":"p10"}""", csrf: null);

        using var browser = app.NewBrowser();
        await browser.SignInAsync("o-csrf");
        var (noToken, problem) = await PostOrderAsync(browser, """{"productId":"p10"}""", csrf: null);

        Assert.Equal(HttpStatusCode.Unauthorized, absent);
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
        Assert.Equal(HttpStatusCode.Unauthorized, postForged);
        Assert.Equal(HttpStatusCode.Forbidden, noToken);
        Assert.Contains("X-CSRF-Token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_takes_its_amount_from_the_product_list_whatever_the_client_sends_and_returns_JSAPI_parameters()
    {
        using var browser = app.NewBrowser();
        await browser.SignInAsync("o-buyer");
        var csrf = (await GetJsonAsync(browser, "/api/me", 0)).Json.GetProperty("csrfToken").GetString();

        var (status, order) = await PostOrderAsync(browser, """{"productId":"p300","amount":1,"amountFen":1,"priceFen":1,"credits":999999}""", csrf);

        Assert.Equal(HttpStatusCode.OK, status);
        var outTradeNo = order.GetProperty("outTradeNo").GetString()!;
        Assert.Equal(PurchaseFixture.AppId, order.GetProperty("appId").GetString());
        Assert.StartsWith("prepay_id=", order.GetProperty("package").GetString(), StringComparison.Ordinal);
        Assert.Equal("RSA", order.GetProperty("signType").GetString());
        Assert.False(string.IsNullOrEmpty(order.GetProperty("paySign").GetString()));
        Assert.Matches("^[0-9]{10}$", order.GetProperty("timeStamp").GetString());

        var atWeChatPay = app.Pay.Orders[outTradeNo];
        Assert.Equal((1990L, "o-buyer"), (atWeChatPay.Total, atWeChatPay.OpenId));
        await using var db = app.Db();
        var stored = await db.Orders.SingleAsync(o => o.OutTradeNo == outTradeNo, TestContext.Current.CancellationToken);
        Assert.Equal((1990, 300, 30, OrderState.Pending, PaymentChannel.Jsapi), (stored.AmountFen, stored.Credits, stored.ValidityDays, stored.State, stored.Channel));
        Assert.Equal(order.GetProperty("package").GetString(), "prepay_id=" + stored.PrepayId);

        var me = (await GetJsonAsync(browser, "/api/me", 1)).Json;
        var listed = Assert.Single(me.GetProperty("orders").EnumerateArray());
        Assert.Equal((outTradeNo, "PENDING", 1990), (listed.GetProperty("outTradeNo").GetString(), listed.GetProperty("state").GetString(), listed.GetProperty("amountFen").GetInt32()));
    }

    [Fact]
    public async Task An_unknown_product_is_400_saying_which_products_exist()
    {
        using var browser = app.NewBrowser();
        await browser.SignInAsync("o-unknown");
        var csrf = (await GetJsonAsync(browser, "/api/me", 0)).Json.GetProperty("csrfToken").GetString();

        var (status, problem) = await PostOrderAsync(browser, """{"productId":"p-free","amountFen":0}""", csrf);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Unknown product 'p-free'. Products on sale: p10, p300.", problem.GetProperty("detail").GetString());
        await using var db = app.Db();
        Assert.False(await db.Orders.AnyAsync(o => o.OpenId == "o-unknown", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Outside_WeChats_phone_browser_the_order_is_a_Native_QR_code()
    {
        using var browser = app.NewBrowser(Browser.Desktop);
        await browser.SignInAsync("o-desktop");
        var csrf = (await GetJsonAsync(browser, "/api/me", 0)).Json.GetProperty("csrfToken").GetString();

        var (status, order) = await PostOrderAsync(browser, """{"productId":"p10"}""", csrf);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("weixin://wxpay/bizpayurl", order.GetProperty("codeUrl").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("data:image/png;base64,", order.GetProperty("qrImage").GetString(), StringComparison.Ordinal);
        Assert.Null(app.Pay.Orders[order.GetProperty("outTradeNo").GetString()!].OpenId);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetJsonAsync(Browser browser, string path, int replica)
    {
        using var response = await browser.GetAsync(browser.OnReplica(path, replica));
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> PostOrderAsync(Browser browser, string json, string? csrf)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, browser.OnReplica("/api/orders", 1))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        using var response = await browser.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }
}
