using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Console;

/// <summary>The operations console in a headless Chromium at 1440×900, against the whole AppHost.</summary>
internal sealed class ConsoleBrowser(IPlaywright playwright, IBrowser browser, IPage page, Uri console) : IAsyncDisposable
{
    public IPage Page => page;

    public Uri Address => console;

    /// <summary>A new browser on the console's sign-in page (the console healthy first).</summary>
    public static Task<ConsoleBrowser> OpenAsync(AppHostFixture fixture) => OpenAsync(fixture.App);

    /// <inheritdoc cref="OpenAsync(AppHostFixture)"/>
    public static async Task<ConsoleBrowser> OpenAsync(DistributedApplication app)
    {
        using (var cts = new CancellationTokenSource(AppHostFixture.StartTimeout))
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync("admin", cts.Token);
        }

        var console = app.GetEndpoint("admin", "http");
        var playwright = await Playwright.CreateAsync();
        var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 }, Locale = "zh-CN" });
        await page.GotoAsync(console.ToString());
        return new ConsoleBrowser(playwright, browser, page, console);
    }

    /// <summary>A new browser signed in as <c>admin</c>, on the overview.</summary>
    public static Task<ConsoleBrowser> SignedInAsync(AppHostFixture fixture) => SignedInAsync(fixture.App);

    /// <inheritdoc cref="SignedInAsync(AppHostFixture)"/>
    public static async Task<ConsoleBrowser> SignedInAsync(DistributedApplication app)
    {
        var console = await OpenAsync(app);
        try
        {
            await console.SignInAsync(app);
            return console;
        }
        catch
        {
            await console.DisposeAsync();
            throw;
        }
    }

    /// <summary>The password the AppHost made up for this run (<c>Admin__Password</c> of the API).</summary>
    public static async Task<string> PasswordAsync(AppHostFixture fixture) => await PasswordAsync(fixture.App);

    /// <inheritdoc cref="PasswordAsync(AppHostFixture)"/>
    public static async Task<string> PasswordAsync(DistributedApplication app) => (await AppHostFixture.EnvironmentOfAsync(app, "api"))["Admin__Password"];

    /// <summary>Fills the sign-in form and submits it.</summary>
    public Task SubmitSignInAsync(string name, string password) => SubmitSignInAsync(page, name, password);

    /// <inheritdoc cref="SubmitSignInAsync(string, string)"/>
    public static async Task SubmitSignInAsync(IPage page, string name, string password)
    {
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
    }

    /// <summary>Signs in as <c>admin</c> and waits for the overview on its circuit.</summary>
    public Task SignInAsync(AppHostFixture fixture) => SignInAsync(fixture.App);

    /// <inheritdoc cref="SignInAsync(AppHostFixture)"/>
    public async Task SignInAsync(DistributedApplication app) => await SignInAsync("admin", await PasswordAsync(app));

    /// <summary>Signs in as <paramref name="name"/> and waits for the overview on its circuit.</summary>
    public async Task SignInAsync(string name, string password)
    {
        await SubmitSignInAsync(name, password);
        await Expect(page.Locator("#operator")).ToHaveTextAsync(name);
        await WaitInteractiveAsync();
    }

    /// <summary>
    /// Searches the 会话 page's user list for <paramref name="text"/> until it shows that one user: the list may not have
    /// the user yet (exchanges are recorded in batches), and on a loaded machine a click can reach the circuit before
    /// the typed text does, so the operator's "search again" is part of the step. Returns the rows.
    /// </summary>
    public async Task<ILocator> SearchUsersAsync(string text)
    {
        var rows = page.Locator("tr.user-row");
        await page.FillAsync("#user-search", text);
        for (var tries = 0; tries < 30; tries++)
        {
            await page.ClickAsync("#user-search-go");
            try
            {
                await Expect(rows).ToHaveCountAsync(1, new() { Timeout = 1_000 });
                await Expect(rows.First).ToContainTextAsync(text, new() { Timeout = 1_000 });
                break;
            }
            catch (PlaywrightException)
            {
                // Not yet: search again.
            }
        }

        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync(text);
        return rows;
    }

    /// <summary>Opens a console page by path and waits until its circuit runs (before that, clicks do nothing).</summary>
    public async Task GoToAsync(string path)
    {
        await page.GotoAsync(new Uri(console, path).ToString());
        await WaitInteractiveAsync();
    }

    public Task WaitInteractiveAsync() => WaitInteractiveAsync(page);

    public static Task WaitInteractiveAsync(IPage page) => Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });

    /// <summary>With <see cref="Screenshots.Variable"/>=1, the page as the operator sees it, into docs/images/console-<paramref name="name"/>.png.</summary>
    public Task ScreenshotAsync(string name) => Screenshots.TakeAsync(page, $"console-{name}");

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
