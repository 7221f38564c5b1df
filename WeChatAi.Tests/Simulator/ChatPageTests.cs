using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task Sending_a_message_shows_the_immediate_reply_and_then_the_pushed_answer()
    {
        var chatPage = fixture.App.GetEndpoint("simulator", "http");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
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
        await Expect(page.Locator(".bubble.reply").Last).ToHaveTextAsync("正在思考中...");
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("你好，模拟器", new() { Timeout = 60_000 });
        await Expect(page.Locator(".bubble.push").First).ToContainTextAsync("【模拟AI】");
    }

    [Fact]
    public async Task A_published_menu_shows_at_the_bottom_and_tapping_its_buttons_gets_the_apis_answers()
    {
        var chatPage = fixture.App.GetEndpoint("simulator", "http");
        await PublishMenuAsync(chatPage);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(chatPage.ToString());
        await page.FillAsync("#new-user-name", "菜单用户");
        await page.ClickAsync("#create-user");
        await Expect(page.Locator("#current-user")).ToContainTextAsync("菜单用户");

        await Expect(page.Locator("#menu-bar .menu-button")).ToHaveTextAsync(["帮助", "更多"]);
        await page.ClickAsync("#menu-bar .menu-button >> text=帮助");
        await Expect(page.Locator(".bubble.reply").Last).ToContainTextAsync("关于（/about）：服务说明");

        await page.ClickAsync("#menu-bar .menu-button >> text=更多");
        await page.ClickAsync(".submenu-item >> text=关于");
        await Expect(page.Locator(".bubble.reply").Last).ToContainTextAsync("回复由人工智能生成");
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        // Without these Chromium reaches for Google's services, which this closed network refuses.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    /// <summary>What <c>POST /api/admin/menu/publish</c> does, played against the simulator with the simulated account's credentials.</summary>
    private async Task PublishMenuAsync(Uri simulator)
    {
        var resource = (IResourceWithEnvironment)fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "simulator");
#pragma warning disable CS0618 // the way to read a running resource's configured environment from a test
        var environment = await resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618
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
