using Microsoft.Playwright;
using WeChatAi.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's chat page in a headless browser, with a new user created and selected.</summary>
internal sealed class ChatBrowser(IPlaywright playwright, IBrowser browser, IPage page) : IAsyncDisposable
{
    public IPage Page => page;

    /// <summary>The selected user's OpenID, as the page shows it ("name · openId").</summary>
    public async Task<string> OpenIdAsync() => (await page.Locator("#current-user").TextContentAsync())!.Split(" · ")[^1].Trim();

    public static async Task<ChatBrowser> OpenAsync(Uri chatPage, string userName, BrowserNewPageOptions? options = null)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(options);
        await page.GotoAsync(chatPage.ToString());
        await page.FillAsync("#new-user-name", userName);
        await page.ClickAsync("#create-user");
        await Expect(page.Locator("#current-user")).ToContainTextAsync(userName);
        return new ChatBrowser(playwright, browser, page);
    }

    /// <summary>Types <paramref name="text"/> into the chat and sends it.</summary>
    public async Task SendAsync(string text)
    {
        await page.FillAsync("#message-input", text);
        await page.ClickAsync("#send");
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
