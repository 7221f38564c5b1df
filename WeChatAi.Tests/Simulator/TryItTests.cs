using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Api.Commands;
using WeChatAi.Core.Safety;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Console;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Worker.Common;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Simulator;

/// <summary>
/// The README's "Try it in 2 minutes", step by step, as a newcomer does it: a first start of the whole AppHost, the
/// chat page in Chromium, the purchase inside its WeChat browser, a burst, the console, and the console again after a
/// restart. With <see cref="Screenshots.Variable"/>=1 it writes the README's chat page, purchase and conversation images.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class TryItTests
{
    private const string AiLabel = "【本回复由人工智能生成】";
    private const string Nickname = "小明";
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(60);
    // The moderation stand-in answers at once, but on a loaded 2-core machine the default 3 s deadline can pass and the
    // question is let through (fail open, as documented). And this test types faster than a person: its questions come
    // seconds apart, over the default 10 a minute per user (the burst of 5, which the burst preset is about, stays).
    private static readonly string[] Settings = ["Safety:ModerationTimeoutMs=15000", "RateLimits:PerUserPerMinute=60"];
    private static readonly BrowserNewPageOptions Window = new() { ViewportSize = new() { Width = 1440, Height = 900 }, Locale = "zh-CN" };

    [Fact]
    public async Task The_readmes_try_it_works_step_by_step_in_the_browser_and_the_console_is_the_same_after_a_restart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("wechatai-try-it-").FullName;
        try
        {
            int turns;
            await using (var app = await AppHostFixture.StartAsync(dataDirectory, Settings))
            {
                await ChatAsync(app);
                turns = await ConversationInConsoleAsync(app, screenshot: true);

                // A first start and all of the above leave no error in any service's log (no red badge in the dashboard).
                var errors = await ResourceLogs.ErrorsAsync(app);
                Assert.True(errors.Count == 0, string.Join("\n", errors));
                await app.StopAsync(TestContext.Current.CancellationToken);
            }

            await using var again = await AppHostFixture.StartAsync(dataDirectory, Settings);
            await using (var chat = await ChatBrowser.OpenAsync(again.GetEndpoint("simulator", "http"), "新来的", Window))
            {
                await Expect(chat.Page.Locator("#users li", new() { HasText = Nickname })).ToContainTextAsync("已关注");
                await Expect(chat.Page.Locator("#menu-bar .menu-button")).ToHaveTextAsync(["新对话", "帮助", "关于"]);
            }

            Assert.Equal(turns, await ConversationInConsoleAsync(again, screenshot: false));
            var afterRestart = await ResourceLogs.ErrorsAsync(again);
            Assert.True(afterRestart.Count == 0, string.Join("\n", afterRestart));
            await again.StopAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>The chat page's part of "Try it", in the README's order.</summary>
    private static async Task ChatAsync(DistributedApplication app)
    {
        // "Open that page, create a user, press 关注 Follow (the welcome text arrives as a passive reply)".
        await using var chat = await ChatBrowser.OpenAsync(app.GetEndpoint("simulator", "http"), Nickname, Window);
        var page = chat.Page;
        await page.ClickAsync("#follow");
        await Expect(page.Locator(".bubble.reply").First).ToHaveTextAsync(new WeChatOptions().WelcomeText);

        // "type a question and press Enter: 对方正在输入… shows … and the AI's answer follows as a customer-service
        // push, ending with the AI label".
        await page.FillAsync("#message-input", "公众号怎么接入大模型？");
        await page.PressAsync("#message-input", "Enter");
        await Expect(page.Locator("#typing")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var pushes = page.Locator(".bubble.push");
        await Expect(pushes.First).ToContainTextAsync("公众号怎么接入大模型？", new() { Timeout = 60_000 });
        await Expect(pushes.First).ToContainTextAsync("【模拟AI】");
        Assert.EndsWith(AiLabel, await pushes.First.TextContentAsync(), StringComparison.Ordinal);
        await Expect(page.Locator("#typing")).ToBeHiddenAsync();

        // "Send an image or a voice message from the bar below the input (answered by the simulated vision model and
        // transcription)".
        await page.ClickAsync("#send-image");
        await Expect(pushes.Nth(1)).ToContainTextAsync("【模拟视觉】", new() { Timeout = 60_000 });
        await page.ClickAsync("#send-voice");
        await Expect(pushes.Nth(2)).ToContainTextAsync("这是一条模拟语音", new() { Timeout = 60_000 });

        // "tap the menu (新对话 · 帮助 · 关于)": published by the API on the first start.
        await Expect(page.Locator("#menu-bar .menu-button")).ToHaveTextAsync(["新对话", "帮助", "关于"]);
        await page.ClickAsync("#menu-bar .menu-button >> text=帮助");
        await Expect(page.Locator(".bubble.reply").Last).ToContainTextAsync(new CommandOptions().HelpIntro);
        await page.ClickAsync("#menu-bar .menu-button >> text=关于");
        await Expect(page.Locator(".bubble.reply").Last).ToContainTextAsync("人工智能");
        await page.ClickAsync("#menu-bar .menu-button >> text=新对话");
        await Expect(pushes.Nth(3)).ToContainTextAsync(new WorkerOptions().ResetConfirmationText, new() { Timeout = 60_000 });

        await PurchaseAsync(page);

        // "Ask for something 长 (long) to see an answer split into several WeChat-sized messages".
        await chat.SendAsync("讲一个长一点的故事");
        var parts = page.Locator(".bubble.push", new() { HasText = "这是一段用来测试长回答拆分的文字" });
        await Expect(parts.Nth(1)).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(pushes.Last).ToContainTextAsync(AiLabel, new() { Timeout = 60_000 });
        foreach (var part in await parts.AllTextContentsAsync())
        {
            Assert.InRange(Encoding.UTF8.GetByteCount(part), 1, 2048);
        }

        // "type 违禁测试词 (the shipped test word list) or 审核测试 (the moderation stand-in) to see a blocked question".
        // (The last bubble, so that a failure shows what came instead.)
        var blockedText = new SafetyTextOptions().BlockedQuestionText;
        await chat.SendAsync("违禁测试词");
        await Expect(page.Locator(".bubble").Last).ToContainTextAsync(blockedText, new() { Timeout = 60_000 });
        await chat.SendAsync("请帮我审核测试这句话");
        await Expect(page.Locator(".bubble").Last).ToContainTextAsync(blockedText, new() { Timeout = 60_000 });
        await Expect(page.Locator(".bubble", new() { HasText = blockedText })).ToHaveCountAsync(2);

        await BurstAsync(page);
        await Screenshots.TakeAsync(page, "chat-page");
    }

    /// <summary>"open the purchase page with 在微信中打开充值页 … signs in with the simulated OAuth, pays … and the credits appear".</summary>
    private static async Task PurchaseAsync(IPage page)
    {
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // the simulated payment sheet's 确认支付
        await page.ClickAsync("#open-pay");
        var frame = page.FrameLocator("#browser-frame");
        await Expect(frame.Locator("#quota")).ToContainTextAsync("积分 0");
        await frame.GetByRole(AriaRole.Button, new() { Name = "¥3.00" }).ClickAsync();
        await Expect(frame.Locator("#status")).ToHaveTextAsync("支付成功，积分已到账。", new() { Timeout = 30_000 });
        await Expect(frame.Locator("#quota")).ToContainTextAsync("积分 30");
        await Expect(page.Locator(".bubble.push", new() { HasText = "充值成功" })).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Screenshots.TakeAsync(page, "chat-purchase");
        await page.ClickAsync("#browser-close");
    }

    /// <summary>"The right-hand panel starts a bounded burst … the preset, 1,000 from 200, fits the default per-user burst of 5".</summary>
    private static async Task BurstAsync(IPage page)
    {
        await Expect(page.Locator("#burst-hint")).ToContainTextAsync("不会被限流");
        await page.ClickAsync("#burst-start");
        var status = page.Locator("#burst-status");
        await Expect(status.Locator("dt:text-is('已发送') + dd")).ToHaveTextAsync("1000", new() { Timeout = 120_000 });
        await Expect(status.Locator("dt:text-is('已推送答案') + dd")).ToHaveTextAsync("1000", new() { Timeout = 240_000 });
        await Expect(status.Locator("dt:text-is('状态') + dd")).ToHaveTextAsync("空闲", new() { Timeout = 30_000 });
        await Expect(status.Locator("dt:text-is('被限流') + dd")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0（"));
        await Expect(status.Locator("dt:text-is('失败') + dd")).ToHaveTextAsync("0");
    }

    /// <summary>The console's 会话: the nickname found by search, its transcript's turns counted (each answered one labelled).</summary>
    private static async Task<int> ConversationInConsoleAsync(DistributedApplication app, bool screenshot)
    {
        await using var console = await ConsoleBrowser.SignedInAsync(app);
        var page = console.Page;
        // The overview counts the burst: over a thousand messages received in the last hour.
        await Expect(page.Locator("#received-hour .stat-value")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^1,0\d\d$"), new() { Timeout = 20_000 });
        if (screenshot)
        {
            await console.ScreenshotAsync("overview");
        }

        await console.GoToAsync("conversations");
        var rows = await console.SearchUsersAsync(Nickname);
        await rows.First.ClickAsync();
        await Expect(page.Locator("#user-nickname")).ToHaveTextAsync(Nickname);

        var turns = page.Locator("#transcript .turn");
        await Expect(turns.First).ToBeVisibleAsync(new() { Timeout = (float)Answered.TotalMilliseconds });
        await Expect(turns.First.Locator(".bubble.user")).ToContainTextAsync("公众号怎么接入大模型？");
        await Expect(page.Locator("#transcript .system-line.notice", new() { HasText = "充值成功" })).ToHaveCountAsync(1);
        await Expect(page.Locator("#transcript .bubble.user", new() { HasText = "[图片]" })).ToHaveCountAsync(1);
        if (screenshot)
        {
            await console.ScreenshotAsync("conversation");
        }

        return await turns.CountAsync();
    }
}
