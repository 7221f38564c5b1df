using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Simulator;

/// <summary>A person's view: the simulator's chat page, in Debian's Chromium, against the whole app.</summary>
[Collection(AppHostCollection.Name)]
public sealed class ChatPageTests(AppHostFixture fixture)
{
    /// <summary>Debian's Chromium (<c>apt-get install chromium</c>); browser downloads are not possible here.</summary>
    private static readonly string ChromiumPath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    [Fact]
    public async Task Sending_a_message_shows_typing_and_then_the_labelled_pushed_answer()
    {
        var chatPage = fixture.App.GetEndpoint("simulator", "http");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without these Chromium reaches for Google's services, which this closed network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(chatPage.ToString());

        await page.FillAsync("#new-user-name", "测试用户");
        await page.ClickAsync("#create-user");
        await Expect(page.Locator("#current-user")).ToContainTextAsync("测试用户");
        await page.ClickAsync("#follow");
        await Expect(page.Locator(".bubble.reply").First).Not.ToBeEmptyAsync();

        await page.FillAsync("#message-input", "你好，模拟器");
        await page.ClickAsync("#send");

        await Expect(page.Locator(".bubble.user")).ToHaveTextAsync("你好，模拟器");
        // WeChat:AckMode typing (the default): no "正在思考中..." bubble, "对方正在输入…" under the account's name while
        // the simulated LLM works (1.2 s), gone when the answer arrives, which carries the AI label once.
        await Expect(page.Locator("#typing")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("你好，模拟器", new() { Timeout = 60_000 });
        await Expect(page.Locator("#typing")).ToBeHiddenAsync();
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("【模拟AI】");
        Assert.EndsWith("【本回复由人工智能生成】", await page.Locator(".bubble.push").First.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator(".bubble.reply").CountAsync()); // the follow's welcome only
    }
}
