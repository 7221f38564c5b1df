using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using WeChatAi.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Simulator;

/// <summary>A person's view: the simulator's chat page, in Debian's Chromium, against the whole app.</summary>
[Collection(AppHostCollection.Name)]
public sealed class ChatPageTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Sending_a_message_shows_typing_and_then_the_labelled_pushed_answer()
    {
        // The simulated LLM as shipped (2 s), whatever a test before left: typing shows only past WeChat:TypingDelayMs.
        using (var sim = new HttpClient { BaseAddress = fixture.App.GetEndpoint("simulator", "http") })
        {
            await SimulatedLlm.SetUnavailableAsync(sim, 0);
        }

        await using var chat = await ChatBrowser.OpenAsync(fixture.App.GetEndpoint("simulator", "http"), "测试用户");
        var page = chat.Page;
        await page.ClickAsync("#follow");
        await Expect(page.Locator(".bubble.reply").First).Not.ToBeEmptyAsync();

        await page.FillAsync("#message-input", "你好，模拟器");
        await page.ClickAsync("#send");

        await Expect(page.Locator(".bubble.user")).ToHaveTextAsync("你好，模拟器");
        // WeChat:AckMode typing (the default): no "正在思考中..." bubble, "对方正在输入…" under the account's name while
        // the simulated LLM works (2 s; the worker shows it after WeChat:TypingDelayMs, 1 s), gone when the answer arrives, which carries the AI label once.
        await Expect(page.Locator("#typing")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("你好，模拟器", new() { Timeout = 60_000 });
        await Expect(page.Locator("#typing")).ToBeHiddenAsync();
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("【模拟AI】");
        Assert.EndsWith("【本回复由人工智能生成】", await page.Locator(".bubble.push").First.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator(".bubble.reply").CountAsync()); // the follow's welcome only
    }

    [Fact]
    public async Task An_image_and_a_voice_message_from_the_page_are_answered_by_the_simulated_vision_and_transcription()
    {
        await using var chat = await ChatBrowser.OpenAsync(fixture.App.GetEndpoint("simulator", "http"), "看图听音");
        var page = chat.Page;

        await page.Locator("#image-color").FillAsync("#3366cc");
        await page.ClickAsync("#send-image");

        await Expect(page.Locator(".bubble.user").First).ToContainTextAsync("[图片]");
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("【模拟视觉】", new() { Timeout = 60_000 });
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("320×240");
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("#3366CC");

        // Without Recognition: the worker downloads the AMR, converts it with ffmpeg and the transcription is the question.
        await page.ClickAsync("#send-voice");

        await Expect(page.Locator(".bubble.push").Nth(1)).ToContainTextAsync("这是一条模拟语音（voice.wav", new() { Timeout = 60_000 });
        await Expect(page.Locator(".bubble.push").Nth(1)).ToContainTextAsync("【模拟AI】");
    }

    [Fact]
    public async Task A_published_menu_shows_at_the_bottom_and_tapping_its_buttons_gets_the_apis_answers()
    {
        var chatPage = fixture.App.GetEndpoint("simulator", "http");
        await PublishMenuAsync(chatPage);
        await using var chat = await ChatBrowser.OpenAsync(chatPage, "菜单用户");
        var page = chat.Page;

        await Expect(page.Locator("#menu-bar .menu-button")).ToHaveTextAsync(["帮助", "更多"]);
        await page.ClickAsync("#menu-bar .menu-button >> text=帮助");
        await Expect(page.Locator(".bubble.reply").Last).ToContainTextAsync("关于（/about）：服务说明");

        await page.ClickAsync("#menu-bar .menu-button >> text=更多");
        await page.ClickAsync(".submenu-item >> text=关于");
        await Expect(page.Locator(".bubble.reply").Last).ToContainTextAsync("回复由人工智能生成");
    }

    /// <summary>What <c>POST /api/admin/menu/publish</c> does, played against the simulator with the simulated account's credentials.</summary>
    private async Task PublishMenuAsync(Uri simulator)
    {
        var environment = await fixture.EnvironmentOfAsync("simulator");
        using var http = new HttpClient { BaseAddress = simulator };
        using var tokenResponse = await http.PostAsJsonAsync(
            "/cgi-bin/stable_token",
            new { grant_type = "client_credential", appid = environment["Simulator__AppId"], secret = environment["Simulator__AppSecret"], force_refresh = false },
            TestContext.Current.CancellationToken);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("access_token").GetString();
        var menu = new
        {
            button = new object[]
            {
                new { type = "click", name = "帮助", key = "help" },
                new { name = "更多", sub_button = new object[] { new { type = "click", name = "关于", key = "about" } } },
            },
        };
        using var created = await http.PostAsJsonAsync($"/cgi-bin/menu/create?access_token={token}", menu, TestContext.Current.CancellationToken);
        Assert.Equal(0, (await created.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("errcode").GetInt32());
    }
}
