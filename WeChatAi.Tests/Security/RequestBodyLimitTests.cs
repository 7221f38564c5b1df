using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Tests.Console;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Webhook;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Issue 21, item 3: every body is bounded while it is read, chunked or not. A client streaming 2 MiB without a
/// Content-Length gets 413 naming the limit from each endpoint that reads a body, before it has sent 256 KB of it (so
/// the rest is neither awaited nor held), the service keeps answering, and the largest legitimate bodies (above the
/// 64 KB default where an endpoint raised its limit) still go through.
/// </summary>
public sealed class RequestBodyLimitTests(RequestBodyLimitFixture app) : IClassFixture<RequestBodyLimitFixture>
{
    private static readonly string[] Texts =
        ["WeChat:AckText", "WeChat:WelcomeText", "WeChat:PassiveLateText", "WeChat:BlockedUserText", "Safety:BlockedQuestionText", "Safety:BlockedAnswerText"];

    private static readonly Dictionary<string, string> AdminHeaders = new() { ["X-Admin-Key"] = RequestBodyLimitFixture.AdminKey, ["X-Admin-Operator"] = "admin" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("POST", "/api/pay/notify", """{"id":"EV-""", "body over 64 KB")]
    [InlineData("POST", "/wechat?{signed}", "<xml><Content><![CDATA[", "larger than 64 KB")]
    [InlineData("PUT", "/api/admin/settings", """{"values":{"WeChat:AckText":" """, "larger than 131,072 bytes, the most PUT /api/admin/settings accepts")]
    [InlineData("PUT", "/api/admin/menu", """{"button":[{"name":" """, "larger than 131,072 bytes, the most PUT /api/admin/menu accepts")]
    [InlineData("PUT", "/api/admin/keywords/1", """{"matchType":"exact","pattern":" """, "larger than 65,536 bytes, the most PUT /api/admin/keywords/1 accepts")]
    [InlineData("POST", "/api/admin/sign-in", """{"name":" """, "larger than 65,536 bytes, the most POST /api/admin/sign-in accepts")]
    [InlineData("POST", "/api/orders", """{"productId":" """, "larger than 65,536 bytes, the most POST /api/orders accepts")]
    public async Task A_chunked_2_MiB_body_is_413_naming_the_limit_before_the_rest_is_sent_and_the_API_answers_afterwards(string method, string path, string prefix, string message)
    {
        path = path.Replace("{signed}", SignedQuery(), StringComparison.Ordinal);
        var xml = path.StartsWith("/wechat", StringComparison.Ordinal);

        var (status, body) = await ChunkedUpload.SendAsync(app.Api.BaseAddress, method, path, xml ? "text/xml" : "application/json", xml ? prefix : prefix.TrimEnd(), AdminHeaders);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains(message, body, StringComparison.Ordinal);
        using var ping = await app.Api.Client.GetAsync(new Uri("/api/ping", UriKind.Relative), Ct);
        Assert.Equal("pong", await ping.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_consoles_sign_in_form_refuses_a_chunked_2_MiB_post_before_the_rest_is_sent_and_the_operator_signs_in_afterwards()
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.Console.BaseAddress };
        var (token, cookie) = await ConsoleHttpTests.SignInFormAsync(browser);

        var (status, body) = await ChunkedUpload.SendAsync(app.Console.BaseAddress, "POST", "/sign-in", "application/x-www-form-urlencoded",
            $"_handler=sign-in&__RequestVerificationToken={Uri.EscapeDataString(token)}&Input.Name=admin&Input.Password=", new Dictionary<string, string> { ["Cookie"] = cookie });
        using var signedIn = await ConsoleHttpTests.PostSignInAsync(browser, token, cookie, "admin", RequestBodyLimitFixture.Password);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("larger than 65,536 bytes, the most POST /sign-in accepts", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains(signedIn.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("wechatai-console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_largest_settings_change_the_console_sends_goes_through_its_raised_limit()
    {
        // Six texts at their longest and 60 products: over the 64 KB default once the console escapes the CJK text.
        var values = Texts.ToDictionary(key => key, _ => new string('答', 600));
        var products = Enumerable.Range(0, 60).Select(i => new { id = "pack-" + i.ToString(CultureInfo.InvariantCulture), name = new string('包', 127), priceFen = 100 + i, credits = 10, validityDays = 30 });
        var json = JsonSerializer.Serialize(new { values, products });
        Assert.InRange(Encoding.UTF8.GetByteCount(json), 64 * 1024 + 1, 128 * 1024);

        var (status, body) = await app.SendAsync(RequestBodyLimitFixture.AdminRequest(HttpMethod.Put, "/api/admin/settings", new StringContent(json, Encoding.UTF8, "application/json")));

        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
    }

    [Fact]
    public async Task The_largest_menu_the_console_sends_goes_through_its_raised_limit()
    {
        // 15 view buttons whose 1,021-byte URLs the console's JSON escapes to 6 bytes a character.
        var sub = new { type = "view", name = new string('菜', 20), url = "https://example.com/?" + new string('&', 1000) };
        var json = JsonSerializer.Serialize(new { button = Enumerable.Range(0, 3).Select(i => new { name = "菜单" + i.ToString(CultureInfo.InvariantCulture), sub_button = Enumerable.Repeat(sub, 5) }) });
        Assert.InRange(Encoding.UTF8.GetByteCount(json), 64 * 1024 + 1, 128 * 1024);

        var (status, body) = await app.SendAsync(RequestBodyLimitFixture.AdminRequest(HttpMethod.Put, "/api/admin/menu", new StringContent(json, Encoding.UTF8, "application/json")));

        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
    }

    [Fact]
    public async Task WeChats_message_and_WeChat_Pays_notification_of_ordinary_size_are_taken_as_before()
    {
        var weChat = new WeChatClient(app.Api.Client, RequestBodyLimitFixture.Token);
        var (messageStatus, reply) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-limits", 21_003, "你好"), SignedQuery()));
        var notification = app.Pay.Notification(WeChatPayEvents.TransactionSuccess, "transaction",
            $$$"""{"appid":"{{{RequestBodyLimitFixture.AppId}}}","mchid":"{{{FakeWeChatPayServer.MchId}}}","out_trade_no":"WT-limits-1","transaction_id":"4200000001","trade_state":"SUCCESS","amount":{"total":600,"currency":"CNY"},"payer":{"openid":"o-limits"}}""");

        var notified = await FakeWeChatPayServer.PostAsync(app.Api.Client, new Uri(app.Api.BaseAddress, "/api/pay/notify"), notification);

        Assert.True(messageStatus == HttpStatusCode.OK, $"{messageStatus}: {reply}");
        Assert.Equal(204, notified);
    }

    /// <summary>A fresh nonce each time: one signed query string is one message.</summary>
    private static string SignedQuery()
    {
        var timestamp = WeChatClient.Now();
        var nonce = "limits" + Guid.NewGuid().ToString("N")[..10];
        return $"signature={WeChatClient.Sha1Signature(RequestBodyLimitFixture.Token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}";
    }
}
