using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Billing;

/// <summary>
/// The offline purchase as the AppHost wires it without credentials: the API's /pay opened in the simulator's
/// "WeChat browser", OAuth and WeChat Pay played by the simulator with generated keys, paid through the injected
/// bridge's confirm, settled by the notification the simulator posts. Real processes, HTTP, Redis and PostgreSQL.
/// </summary>
public sealed class SimulatedPurchaseTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string AppId = "wx5e1a7ed0000000aa";
    private const string AppSecret = "simulated-purchase-secret-000000";
    private RedisServer _redis = null!;
    private ServiceProcess _api = null!;
    private ServiceProcess _simulator = null!;
    private string _database = "";

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _database = await postgres.CreateMigratedDatabaseAsync();
        using var merchant = RSA.Create(2048);
        using var pay = RSA.Create(2048);
        const string mchId = "1900077777", serial = "6B2D1E0000000000000000000000000000000001", keyId = "PUB_KEY_ID_0119000777772025120100000000000001";
        const string apiV3Key = "SimulatedPurchaseApiV3Key0123456";
        var apiPort = FreePort.Next();
        var simulatorPort = FreePort.Next();
        var simulator = $"http://127.0.0.1:{simulatorPort}";
        _simulator = await ServiceProcess.StartAsync("WeChatAi.Simulator", new Dictionary<string, string?>
        {
            // The chat page's files, served from the project as under the AppHost.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Simulator__WebhookUrl"] = $"http://127.0.0.1:{apiPort}/wechat",
            ["Simulator__Token"] = "simulated-purchase-token",
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
            ["Simulator__Pay__MchId"] = mchId,
            ["Simulator__Pay__MerchantSerialNo"] = serial,
            ["Simulator__Pay__MerchantPublicKey"] = merchant.ExportSubjectPublicKeyInfoPem(),
            ["Simulator__Pay__PublicKeyId"] = keyId,
            ["Simulator__Pay__PayPrivateKey"] = pay.ExportPkcs8PrivateKeyPem(),
            ["Simulator__Pay__ApiV3Key"] = apiV3Key,
        }, simulatorPort);
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = _database,
            ["WeChat__Token"] = "simulated-purchase-token",
            ["WeChat__AppId"] = AppId,
            ["WeChat__AppSecret"] = AppSecret,
            ["WeChat__OAuthBaseUrl"] = simulator,
            ["WeChat__ApiBaseUrl"] = simulator,
            ["Api__PublicBaseUrl"] = simulator,
            ["Api__PayFrameAncestors"] = simulator, // as the AppHost sets it when the simulator runs
            ["Billing__Products__0__Id"] = "p10",
            ["Billing__Products__0__Name"] = "10 次提问",
            ["Billing__Products__0__PriceFen"] = "100",
            ["Billing__Products__0__Credits"] = "10",
            ["Billing__Products__0__ValidityDays"] = "7",
            ["WeChatPay__BaseUrl"] = simulator,
            ["WeChatPay__MchId"] = mchId,
            ["WeChatPay__MerchantSerialNo"] = serial,
            ["WeChatPay__MerchantPrivateKey"] = merchant.ExportPkcs8PrivateKeyPem(),
            ["WeChatPay__PublicKeyId"] = keyId,
            ["WeChatPay__PublicKey"] = pay.ExportSubjectPublicKeyInfoPem(),
            ["WeChatPay__ApiV3Key"] = apiV3Key,
            ["WeChatPay__NotifyUrl"] = $"http://127.0.0.1:{apiPort}/api/pay/notify",
        }, apiPort);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _simulator.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_user_buys_credits_in_the_simulated_wechat_browser_and_the_order_is_paid_and_credited()
    {
        var ct = TestContext.Current.CancellationToken;
        const string openId = "o-simulated-buyer";

        using var browser = new SimulatedWeChatBrowser(_simulator.BaseAddress);
        var me = await browser.OpenPayPageAsync(openId);
        Assert.Equal(openId, me.GetProperty("openId").GetString());
        var order = await browser.CreateOrderAsync(me, "p10");
        var outTradeNo = order.GetProperty("outTradeNo").GetString()!;

        Assert.Equal("get_brand_wcpay_request:ok", await browser.ConfirmPaymentAsync(order));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        Order paid;
        do
        {
            await Task.Delay(200, ct);
            await using var db = new Core.Data.WeChatDbContext(new DbContextOptionsBuilder<Core.Data.WeChatDbContext>().UseNpgsql(_database).Options);
            paid = await db.Orders.AsNoTracking().SingleAsync(o => o.OutTradeNo == outTradeNo, ct);
        }
        while (paid.State != OrderState.Paid && DateTime.UtcNow < deadline);

        Assert.Equal((OrderState.Paid, openId, 100), (paid.State, paid.OpenId, paid.PaidAmountFen));
        Assert.Equal(10, (await browser.Http.GetFromJsonAsync<JsonElement>("/api/me", ct)).GetProperty("credits").GetInt64());
    }

    [Fact]
    public async Task The_purchase_page_opens_inside_the_chat_pages_wechat_browser_and_a_purchase_completes_there()
    {
        await using var chat = await ChatBrowser.OpenAsync(_simulator.BaseAddress, "frame-buyer");
        var page = chat.Page;
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // the simulated payment sheet's 确认支付

        await page.ClickAsync("#open-pay");

        // Inside the frame the simulated WeChat browser really opens: a refused frame (frame-ancestors 'none') stays empty.
        var frame = page.FrameLocator("#browser-frame");
        await Expect(frame.Locator("#quota")).ToContainTextAsync("积分 0");
        await frame.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "¥1.00" }).ClickAsync();
        await Expect(frame.Locator("#status")).ToHaveTextAsync("支付成功，积分已到账。", new() { Timeout = 30_000 });
        await Expect(frame.Locator("#quota")).ToContainTextAsync("积分 10");
    }
}
