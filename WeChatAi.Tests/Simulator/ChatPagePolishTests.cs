using Microsoft.Playwright;
using WeChatAi.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Simulator;

/// <summary>The chat page's details a newcomer notices, in Chromium against the simulator and a webhook answering <c>success</c>.</summary>
public sealed class ChatPagePolishTests
{
    [Fact]
    public async Task Disabled_buttons_look_disabled_the_media_bar_is_one_line_notes_say_what_happened_and_nothing_is_missing()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url, extra: new Dictionary<string, string?>
        {
            // The chat page's files, served from the project as under the AppHost.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
        });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var missing = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status == 404)
            {
                missing.Add(response.Url);
            }
        };
        await page.GotoAsync(simulator.Client.BaseAddress!.ToString());

        // No user selected: Unfollow is disabled and does not wear the red of an active one.
        await Expect(page.Locator("#unfollow")).ToBeDisabledAsync();
        Assert.NotEqual("rgb(250, 81, 81)", await page.Locator("#unfollow").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));

        await page.FillAsync("#new-user-name", "细节");
        await page.ClickAsync("#create-user");
        await Expect(page.Locator("#unfollow")).ToBeEnabledAsync();
        Assert.Equal("rgb(250, 81, 81)", await page.Locator("#unfollow").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        var image = await page.Locator("#send-image").BoundingBoxAsync();
        var recognized = await page.Locator("#send-voice-recognized").BoundingBoxAsync();
        Assert.Equal(image!.Y, recognized!.Y); // one row
        Assert.Equal(image.Height, recognized.Height); // "语音+识别" on one line

        await page.ClickAsync("#follow");
        await Expect(page.Locator(".meta.event")).ToHaveTextAsync("事件 关注公众号 (subscribe)");
        await page.FillAsync("#message-input", "你好");
        await page.ClickAsync("#send");
        await Expect(page.Locator(".meta.delivered")).ToHaveCountAsync(2);
        await Expect(page.Locator(".meta.delivered").Last).ToContainTextAsync("已送达 第1次 webhook: success");
        Assert.Equal(1, await page.Locator(".meta.event").CountAsync()); // the message is not labelled an event

        Assert.Empty(missing);
    }

    [Fact]
    public async Task The_burst_presets_fit_the_per_user_limit_and_the_panel_says_when_a_burst_would_not()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url, extra: new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Simulator__PerUserBurst"] = "4",
        });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(simulator.Client.BaseAddress!.ToString());

        await page.FillAsync("#burst-messages", "1000");
        await page.FillAsync("#burst-users", "250");
        await Expect(page.Locator("#burst-hint")).ToContainTextAsync("每个用户最多连发 4 条");
        await Expect(page.Locator("#burst-hint")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("warning"));

        await page.FillAsync("#burst-users", "100");
        await Expect(page.Locator("#burst-hint")).ToContainTextAsync("至少要 250 个用户，否则约 600 条会被限流");
        await Expect(page.Locator("#burst-hint")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("warning"));
    }

    [Fact]
    public async Task The_default_burst_preset_stays_under_the_webhooks_default_per_user_burst()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url, extra: new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
        });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(simulator.Client.BaseAddress!.ToString());

        var messages = int.Parse(await page.Locator("#burst-messages").InputValueAsync(), System.Globalization.CultureInfo.InvariantCulture);
        var users = int.Parse(await page.Locator("#burst-users").InputValueAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(messages <= users * new Api.Admission.RateLimitOptions().PerUserBurst, $"{messages} messages from {users} users");
        await Expect(page.Locator("#burst-hint")).ToContainTextAsync("不会被限流");
    }
}
