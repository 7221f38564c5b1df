using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Tests.Billing;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Console;

/// <summary>
/// An operator's view: the console in Debian's Chromium against the whole app (API, worker, simulator), signing in
/// with the password the AppHost made up for the run. Messages go in through the simulator's chat page.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ConsolePageTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_wrong_password_is_refused_with_the_apis_message_and_the_right_one_opens_the_overview_with_a_strict_cookie()
    {
        await using var console = await ConsoleBrowser.OpenAsync(fixture);
        var page = console.Page;
        Assert.Contains("/sign-in?returnUrl=%2F", page.Url, StringComparison.Ordinal);
        await console.ScreenshotAsync("sign-in");

        await console.SubmitSignInAsync("admin", "not-the-password");

        await Expect(page.Locator("#sign-in-error")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "wechatai-console");

        await console.SignInAsync(fixture);

        Assert.Equal(console.Address.ToString(), page.Url);
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "wechatai-console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        await Expect(page.Locator(".health-chip").First).ToBeVisibleAsync();

        await page.ClickAsync("#sign-out");
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "wechatai-console");
    }

    [Fact]
    public async Task A_message_from_the_chat_page_shows_in_the_overview_and_in_the_users_conversation()
    {
        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;
        var received = page.Locator("#received-hour .stat-value");
        await Expect(received).ToBeVisibleAsync();
        var before = Count(await received.TextContentAsync());

        var question = "控制台会话测试 " + Guid.NewGuid().ToString("N")[..8];
        await using (var chat = await ChatBrowser.OpenAsync(fixture.App.GetEndpoint("simulator", "http"), "控制台用户"))
        {
            await chat.SendAsync(question);
            await Expect(chat.Page.Locator(".bubble.push").First).ToContainTextAsync("【模拟AI】", new() { Timeout = (float)Answered.TotalMilliseconds });
        }

        // The overview refreshes itself every 3 s: no reload.
        await Expect(received).Not.ToHaveTextAsync(before.ToString("N0", CultureInfo.InvariantCulture), new() { Timeout = 20_000 });
        Assert.True(Count(await received.TextContentAsync()) > before);
        await Expect(page.Locator("#chart-minutes path").First).ToBeAttachedAsync();

        // The page opens listing every user (other tests' too): the search narrows it to this one.
        await console.GoToAsync("conversations");
        var rows = await console.SearchUsersAsync(question);
        await console.ScreenshotAsync("conversations");
        await rows.First.ClickAsync();

        await Expect(page.Locator(".exchange-question").First).ToHaveTextAsync(question);
        await Expect(page.Locator(".exchange-answer").First).ToContainTextAsync("【模拟AI】");

        // The operator's hands on the user, each through a dialog.
        await page.ClickAsync("#grant");
        await page.Locator("#grant-credits").FillAsync("12");
        await page.ClickAsync("text=赠送 Grant");
        await Expect(page.Locator("#user-credits")).ToHaveTextAsync("12");

        await page.ClickAsync("#block");
        await page.Locator(".prompt-input input").FillAsync("测试封禁");
        await page.ClickAsync(".prompt-ok");
        await Expect(page.Locator("#user-blocked")).ToContainTextAsync("测试封禁");

        await page.ClickAsync("#unblock");
        await page.ClickAsync(".mud-dialog button:has-text('解封 Unblock')");
        await Expect(page.Locator("#user-blocked")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_dead_letter_made_by_a_failing_llm_is_retried_from_the_console_and_answered()
    {
        var simulator = fixture.App.GetEndpoint("simulator", "http");
        using var sim = new HttpClient { BaseAddress = simulator };
        var ct = TestContext.Current.CancellationToken;
        var user = await (await sim.PostAsJsonAsync("/sim/users", new { name = "死信用户" }, ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
        var openId = user.GetProperty("openId").GetString()!;
        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;
        var row = page.Locator("tr.dead-letter-row", new() { HasText = openId });

        await SimulatedLlm.SetUnavailableAsync(sim, 1.0);
        try
        {
            using var sent = await sim.PostAsJsonAsync($"/sim/users/{openId}/messages", new { text = "这条会变成死信" }, ct);
            sent.EnsureSuccessStatusCode();

            // Worker:MaxAttempts (5) attempts with backoff, each with its LLM retries: about a minute.
            await console.GoToAsync("dead-letters");
            for (var tries = 0; await row.CountAsync() == 0 && tries < 60; tries++)
            {
                await page.WaitForTimeoutAsync(2000);
                await page.ClickAsync("text=刷新 Refresh");
            }

            await Expect(row).ToHaveCountAsync(1);
        }
        finally
        {
            await SimulatedLlm.SetUnavailableAsync(sim, 0);
        }

        await Expect(row).ToContainTextAsync("这条会变成死信");
        await console.ScreenshotAsync("dead-letters");
        await row.Locator(".retry-one").ClickAsync();

        await Expect(page.Locator(".mud-snackbar").First).ToContainTextAsync("Re-queued");
        await Expect(row).ToHaveCountAsync(0);
        await AssertPushedAsync(sim, openId, "【模拟AI】");
    }

    [Fact]
    public async Task A_keyword_reply_added_and_edited_in_settings_answers_in_the_chat_page()
    {
        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;
        var pattern = "控制台关键词" + Guid.NewGuid().ToString("N")[..6];

        await console.GoToAsync("settings");
        await page.ClickAsync("text=关键词回复 Keyword replies");
        await page.ClickAsync("#keyword-add");
        await page.Locator(".keyword-pattern input").FillAsync(pattern);
        await page.Locator(".keyword-reply textarea").FillAsync("来自控制台的回复");
        await page.ClickAsync(".keyword-save");
        var rule = page.Locator("tr.keyword-row", new() { HasText = pattern });
        await Expect(rule).ToHaveCountAsync(1);
        await console.ScreenshotAsync("settings");

        await using var chat = await ChatBrowser.OpenAsync(fixture.App.GetEndpoint("simulator", "http"), "关键词用户");
        await chat.SendAsync(pattern);
        await Expect(chat.Page.Locator(".bubble.reply").Last).ToHaveTextAsync("来自控制台的回复", new() { Timeout = 20_000 });

        await rule.Locator(".keyword-edit").ClickAsync();
        await page.Locator(".keyword-reply textarea").FillAsync("控制台改过的回复");
        await page.ClickAsync(".keyword-save");
        await Expect(rule).ToContainTextAsync("控制台改过的回复");

        // Every replica reloads the rules within about a second of the change: ask until the new reply comes.
        var replies = chat.Page.Locator(".bubble.reply", new() { HasText = "控制台改过的回复" });
        for (var tries = 0; await replies.CountAsync() == 0 && tries < 10; tries++)
        {
            await chat.SendAsync(pattern);
            await chat.Page.WaitForTimeoutAsync(1500);
        }

        await Expect(replies.First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_setting_the_api_refuses_shows_its_message_under_the_field_and_nothing_changes()
    {
        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;
        await console.GoToAsync("settings");
        await page.ClickAsync("text=文案与合规 Texts & compliance");
        var quota = page.Locator("div.setting[data-key='Billing:FreeDailyMessages']");
        var before = await quota.Locator("input").InputValueAsync();

        await quota.Locator("input").FillAsync("不是数字");
        await page.ClickAsync("#settings-save");

        await Expect(quota.Locator(".mud-input-helper-text")).ToContainTextAsync("Billing:FreeDailyMessages");
        await console.GoToAsync("settings");
        await page.ClickAsync("text=文案与合规 Texts & compliance");
        await Expect(quota.Locator("input")).ToHaveValueAsync(before);
    }

    [Fact]
    public async Task An_order_paid_in_the_simulated_wechat_browser_is_refunded_from_the_orders_page_and_the_audit_lists_it()
    {
        var outTradeNo = await BuyAsync($"o-console-buyer-{Guid.NewGuid():N}"[..28]);
        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;
        var row = page.Locator("tr.order-row", new() { HasText = outTradeNo });

        // Paid once the simulator's payment notification is settled: refresh the list until it says so.
        await console.GoToAsync("orders");
        for (var tries = 0; await row.Locator(".refund").CountAsync() == 0 && tries < 20; tries++)
        {
            await page.WaitForTimeoutAsync(1000);
            await page.ClickAsync("#orders-search");
        }

        await Expect(row).ToContainTextAsync("paid");
        await Expect(page.Locator("#chart-revenue")).ToBeVisibleAsync();
        await console.ScreenshotAsync("orders");

        await row.Locator(".refund").ClickAsync();
        await page.Locator(".prompt-input input").FillAsync("控制台测试退款");
        await page.ClickAsync(".prompt-ok");
        await page.Locator(".mud-dialog button", new() { HasText = "退款 Refund" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar").First).ToContainTextAsync("R" + outTradeNo);

        // WeChat Pay (the simulator) reports the refund's success; the credits go and the page, left alone, follows the
        // order from refunding to refunded.
        await Expect(row).ToContainTextAsync("refunded", new() { Timeout = 30_000 });
        await Expect(row.Locator(".refund")).ToHaveCountAsync(0);

        await console.GoToAsync("audit");
        await Expect(page.Locator("tr.audit-row", new() { HasText = outTradeNo }).First).ToContainTextAsync("refund");
        await Expect(page.Locator("tr.audit-row .audit-action", new() { HasText = "signin.succeeded" }).First).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await console.ScreenshotAsync("audit");
    }

    /// <summary>A purchase as the phone makes it: the API's /pay in the simulator's WeChat browser, OAuth, the order, the payer's confirm.</summary>
    private async Task<string> BuyAsync(string openId)
    {
        using var browser = new SimulatedWeChatBrowser(fixture.App.GetEndpoint("simulator", "http"));
        var me = await browser.OpenPayPageAsync(openId);
        var products = await browser.Http.GetFromJsonAsync<JsonElement>("/api/products", TestContext.Current.CancellationToken);
        var order = await browser.CreateOrderAsync(me, products.EnumerateArray().First().GetProperty("id").GetString()!);
        Assert.Equal("get_brand_wcpay_request:ok", await browser.ConfirmPaymentAsync(order));
        return order.GetProperty("outTradeNo").GetString()!;
    }

    private static long Count(string? text) => long.Parse(text!.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static async Task AssertPushedAsync(HttpClient sim, string openId, string text)
    {
        var deadline = DateTime.UtcNow + Answered;
        while (true)
        {
            var timeline = await sim.GetFromJsonAsync<JsonElement>($"/sim/users/{openId}/timeline", TestContext.Current.CancellationToken);
            if (timeline.EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "push" && e.GetProperty("text").GetString()!.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No push containing {text} for {openId} within {Answered.TotalSeconds} s:\n{timeline}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }
}
