using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace WeChatAi.Tests.Billing;

/// <summary>
/// The phone's WeChat browser as the simulator plays it: a cookie jar and redirects, every request to the simulator,
/// which proxies the API's /pay and /api/* and stands in for OAuth and the JSAPI payment.
/// </summary>
internal sealed class SimulatedWeChatBrowser(Uri simulator) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public HttpClient Http { get; } = new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = simulator };

    /// <summary>Opens /pay as <paramref name="openId"/> (OAuth on the way, the bridge injected) and returns <c>/api/me</c>.</summary>
    public async Task<JsonElement> OpenPayPageAsync(string openId)
    {
        using (var user = await Http.PostAsJsonAsync("/sim/browser/user", new { openId }, Ct))
        {
            user.EnsureSuccessStatusCode();
        }

        Assert.Contains("/sim/wechat-bridge.js", await Http.GetStringAsync("/pay", Ct), StringComparison.Ordinal);
        return await Http.GetFromJsonAsync<JsonElement>("/api/me", Ct);
    }

    /// <summary>The page's order (with its CSRF token from <paramref name="me"/>): the JSAPI parameters and <c>outTradeNo</c>.</summary>
    public async Task<JsonElement> CreateOrderAsync(JsonElement me, string productId)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { productId }) };
        create.Headers.Add("X-CSRF-Token", me.GetProperty("csrfToken").GetString());
        using var created = await Http.SendAsync(create, Ct);
        var order = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(created.IsSuccessStatusCode, order.ToString());
        return order;
    }

    /// <summary>What the bridge's <c>getBrandWCPayRequest</c> does when the payer confirms; returns its <c>err_msg</c>.</summary>
    public async Task<string?> ConfirmPaymentAsync(JsonElement order)
    {
        using var confirm = await Http.PostAsJsonAsync("/sim/pay/confirm", new
        {
            appId = order.GetProperty("appId").GetString(),
            timeStamp = order.GetProperty("timeStamp").GetString(),
            nonceStr = order.GetProperty("nonceStr").GetString(),
            package = order.GetProperty("package").GetString(),
            signType = order.GetProperty("signType").GetString(),
            paySign = order.GetProperty("paySign").GetString(),
        }, Ct);
        return (await confirm.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("err_msg").GetString();
    }

    public void Dispose() => Http.Dispose();
}
