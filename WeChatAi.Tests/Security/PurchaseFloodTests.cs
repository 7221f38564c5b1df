using System.Net;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Billing;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Issue 21, item 4, over real HTTP against two API replicas, Redis and PostgreSQL: an unauthenticated flood of
/// <c>GET /pay</c> is rate-limited and writes nothing to Redis (the OAuth state is signed into a cookie, remembered
/// only at the callback), a state cookie that is forged, tampered with or expired is refused there, and a payer's
/// repeated orders reuse the open one and stop at <c>Billing:MaxPendingOrders</c> (3).
/// </summary>
public sealed class PurchaseFloodTests(PurchaseFixture app) : IClassFixture<PurchaseFixture>
{
    private const string OAuthKeys = "wechatai:oauth:*";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fifteen_hundred_GETs_of_pay_from_one_address_are_rate_limited_and_leave_no_key_in_Redis()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var anyone = app.NewBrowser();
        var pay = anyone.OnReplica("/pay", 0);
        var before = await CountKeysAsync(OAuthKeys);

        var statuses = new List<HttpStatusCode>();
        string? refusal = null;
        for (var sent = 0; sent < 1_500; sent += 10)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                using var response = await http.GetAsync(pay, Ct);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
            }));
            statuses.AddRange(batch.Select(r => r.StatusCode));
            refusal ??= batch.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests).Body;
        }

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Redirect or HttpStatusCode.TooManyRequests, $"{s}"));
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.TooManyRequests), 1, 1_500);
        Assert.True(statuses.Count(s => s == HttpStatusCode.Redirect) < 1_500);
        Assert.Contains("Too many requests from this address", refusal, StringComparison.Ordinal);
        Assert.Equal(before, await CountKeysAsync(OAuthKeys));

        // The legitimate twin, once the address's bucket has refilled: a payer signs in as before.
        await WaitForTheLimitAsync(anyone);
        using var payer = app.NewBrowser();
        await payer.SignInAsync("o-flood-after");
    }

    [Fact]
    public async Task A_forged_tampered_or_expired_state_cookie_is_refused_at_the_callback_and_writes_nothing()
    {
        var before = await CountKeysAsync(OAuthKeys);

        using var forger = app.NewBrowser();
        var forged = await CallbackAsync(forger, "0123456789abcdef0123456789abcdef", "CfDJ8forged-state-cookie");

        using var tamperer = app.NewBrowser();
        var (state, cookie) = await StartAsync(tamperer);
        var flipped = cookie[..^3] + (cookie[^3] == 'A' ? 'B' : 'A') + cookie[^2..];
        var tampered = await CallbackAsync(tamperer, state, flipped);

        // A cookie the API itself signed (its key ring is in Redis), whose ten minutes are over.
        using var late = app.NewBrowser();
        var expiredState = "fedcba9876543210fedcba9876543210";
        var expired = await CallbackAsync(late, expiredState, StateProtector().Protect(expiredState, DateTimeOffset.UtcNow.AddMinutes(-1)));

        foreach (var (status, body) in new[] { forged, tampered, expired })
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("forged or expired", body, StringComparison.Ordinal);
        }

        Assert.Equal(before, await CountKeysAsync(OAuthKeys));

        // The legitimate twin: the real login works, and its state is remembered (used) only now.
        using var payer = app.NewBrowser();
        var callback = await payer.SignInAsync("o-flood-state");
        var used = HttpUtility.ParseQueryString(callback.Query)["state"]!;
        Assert.Equal(before + 1, await CountKeysAsync(OAuthKeys));
        Assert.True(await app.Redis.KeyExistsAsync($"wechatai:oauth:used:{used}"));
        var ttl = await app.Redis.KeyTimeToLiveAsync($"wechatai:oauth:used:{used}");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Ordering_again_reuses_the_open_order_and_a_payer_holds_at_most_three_unpaid_orders()
    {
        const string openId = "o-flood-orders";
        using var phone = app.NewBrowser();
        await phone.SignInAsync(openId);
        using var desktop = app.NewBrowser(Browser.Desktop);
        await desktop.SignInAsync(openId);
        var phoneCsrf = await CsrfAsync(phone);
        var desktopCsrf = await CsrfAsync(desktop);

        var again = new List<JsonElement>();
        for (var i = 0; i < 5; i++)
        {
            var (status, order) = await PostOrderAsync(phone, "p10", phoneCsrf);
            Assert.Equal(HttpStatusCode.OK, status);
            again.Add(order);
        }

        var (secondStatus, second) = await PostOrderAsync(phone, "p300", phoneCsrf);
        var (thirdStatus, third) = await PostOrderAsync(desktop, "p10", desktopCsrf);
        var (fourthStatus, fourth) = await PostOrderAsync(desktop, "p300", desktopCsrf);

        var first = again[0].GetProperty("outTradeNo").GetString()!;
        Assert.All(again, o => Assert.Equal(first, o.GetProperty("outTradeNo").GetString()));
        Assert.All(again, o => Assert.Equal(again[0].GetProperty("package").GetString(), o.GetProperty("package").GetString()));
        Assert.Equal(HttpStatusCode.OK, secondStatus);
        Assert.NotEqual(first, second.GetProperty("outTradeNo").GetString());
        Assert.Equal(HttpStatusCode.OK, thirdStatus);
        Assert.NotNull(third.GetProperty("codeUrl").GetString());
        Assert.Equal(HttpStatusCode.Conflict, fourthStatus);
        Assert.Contains("unpaid orders already (at most 3)", fourth.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var db = app.Db();
        Assert.Equal(3, await db.Orders.CountAsync(o => o.OpenId == openId && o.State == OrderState.Pending, Ct));
        string[] made = [first, second.GetProperty("outTradeNo").GetString()!, third.GetProperty("outTradeNo").GetString()!];
        Assert.Equal(3, app.Pay.Requests.Count(r => r.Method == "POST" && made.Any(no => r.Body.Contains(no, StringComparison.Ordinal))));
    }

    private async Task<long> CountKeysAsync(string pattern) =>
        ((RedisResult[])(await app.Redis.ExecuteAsync("KEYS", pattern))!).Length;

    /// <summary>The protector the API signs the state cookie with, from the key ring the replicas share in Redis.</summary>
    private ITimeLimitedDataProtector StateProtector()
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("WeChatAi");
        services.Configure<KeyManagementOptions>(options =>
            options.XmlRepository = new RedisXmlRepository(() => app.Redis, "wechatai:dataprotection:keys"));
        return services.BuildServiceProvider().GetDataProtector("WeChatAi.Purchase.OAuthState").ToTimeLimitedDataProtector();
    }

    private static async Task<(string State, string Cookie)> StartAsync(Browser browser)
    {
        using var start = await browser.GetAsync(browser.OnReplica("/pay", 0));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var state = HttpUtility.ParseQueryString(start.Headers.Location!.Query)["state"]!;
        var cookie = start.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("wechatai_oauth=", StringComparison.Ordinal)).Split(';')[0]["wechatai_oauth=".Length..];
        return (state, cookie);
    }

    private async Task<(HttpStatusCode Status, string Body)> CallbackAsync(Browser browser, string state, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, browser.OnReplica($"/pay/oauth?code={app.OAuth.IssueCode("o-forger")}&state={state}", 1));
        request.Headers.Add("Cookie", $"wechatai_oauth={cookie}");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var response = await http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task WaitForTheLimitAsync(Browser browser)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var ping = await browser.GetAsync(browser.OnReplica("/api/ping", 0));
            if (ping.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the per-address limit did not let requests through again");
            await Task.Delay(200, Ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // the bucket refills its burst
    }

    private static async Task<string> CsrfAsync(Browser browser)
    {
        using var response = await browser.GetAsync(browser.OnReplica("/api/me", 0));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("csrfToken").GetString()!;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> PostOrderAsync(Browser browser, string productId, string csrf)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, browser.OnReplica("/api/orders", 1))
        {
            Content = new StringContent($$"""{"productId":"{{productId}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-CSRF-Token", csrf);
        using var response = await browser.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }
}
