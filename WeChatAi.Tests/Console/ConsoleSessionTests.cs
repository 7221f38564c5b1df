using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WeChatAi.Api.Admin;
using WeChatAi.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Console;

/// <summary>Open console pages in Chromium when the API's operators change: the real API and console processes, no AppHost.</summary>
public sealed partial class ConsoleSessionTests(PostgresServer postgres)
{
    private const string ApiKey = "console-session-admin-key-0123";
    private const string AdminPassword = "admin-password-unchanged";
    private const string LiPassword = "ops-li-password-1";
    private const string WangPassword = "ops-wang-password-1";
    private const string NewWangPassword = "ops-wang-password-2";

    [Fact]
    public async Task A_removed_operator_or_a_changed_password_signs_the_open_page_out_and_refuses_its_cookie_while_another_operator_stays()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        var port = FreePort.Next();
        var api = await ServiceProcess.StartAsync("WeChatAi.Api", Api(redis, database, ("ops-li", LiPassword), ("ops-wang", WangPassword)), port);
        try
        {
            await using var console = await ServiceProcess.StartAsync("WeChatAi.Admin", new Dictionary<string, string?>
            {
                ["Admin__ApiKey"] = ApiKey,
                ["Admin__ApiUrl"] = $"http://127.0.0.1:{port}",
                ["Admin__SessionCheckSeconds"] = "1",
                // As the AppHost runs it: Blazor's scripts come from the build's static web assets, not from a publish.
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = "Development",
            });
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await Chromium.LaunchAsync(playwright);
            var admin = await SignedInAsync(browser, console.BaseAddress, "admin", AdminPassword);
            var li = await SignedInAsync(browser, console.BaseAddress, "ops-li", LiPassword);
            var wang = await SignedInAsync(browser, console.BaseAddress, "ops-wang", WangPassword);

            // The API restarts with ops-li removed and a new password for ops-wang; while it is down, no page is signed out.
            await api.DisposeAsync();
            api = await ServiceProcess.StartAsync("WeChatAi.Api", Api(redis, database, ("ops-wang", NewWangPassword)), port);

            await Expect(li).ToHaveURLAsync(SignInPage());
            await Expect(wang).ToHaveURLAsync(SignInPage());
            foreach (var page in new[] { li, wang })
            {
                await page.GotoAsync(new Uri(console.BaseAddress, "/dead-letters").ToString());
                await Expect(page).ToHaveURLAsync(SignInPage()); // the cookie is refused, not only the circuit
            }

            // admin's page has been checked several times against the new API and is still signed in on its circuit.
            await admin.WaitForTimeoutAsync(3_000);
            Assert.DoesNotMatch(SignInPage(), admin.Url);
            await Expect(admin.Locator("#operator")).ToHaveTextAsync("admin");
            await admin.GotoAsync(new Uri(console.BaseAddress, "/dead-letters").ToString());
            await Expect(admin.Locator("#operator")).ToHaveTextAsync("admin");

            // ops-wang signs in again with the new password; the old one is refused.
            await ConsoleBrowser.SubmitSignInAsync(wang, "ops-wang", WangPassword);
            await Expect(wang.Locator("#sign-in-error")).ToBeVisibleAsync();
            await ConsoleBrowser.SubmitSignInAsync(wang, "ops-wang", NewWangPassword);
            await Expect(wang.Locator("#operator")).ToHaveTextAsync("ops-wang");
            Assert.Contains("was not checked: the API did not answer", console.Output, StringComparison.Ordinal);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    private static async Task<IPage> SignedInAsync(IBrowser browser, Uri console, string name, string password)
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 }, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(console.ToString());
        await ConsoleBrowser.SubmitSignInAsync(page, name, password);
        await Expect(page.Locator("#operator")).ToHaveTextAsync(name);
        await ConsoleBrowser.WaitInteractiveAsync(page);
        return page;
    }

    private static Dictionary<string, string?> Api(RedisServer redis, string database, params (string Name, string Password)[] users)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = database,
            ["Admin__ApiKey"] = ApiKey,
            ["Admin__Password"] = AdminPassword,
        };
        for (var i = 0; i < users.Length; i++)
        {
            environment[$"Admin__Users__{i}__Name"] = users[i].Name;
            environment[$"Admin__Users__{i}__PasswordHash"] = AdminPasswords.Hash(users[i].Password);
        }

        return environment;
    }

    [GeneratedRegex("/sign-in")]
    private static partial Regex SignInPage();
}
