using System.Net;
using Microsoft.AspNetCore.Builder;
using WeChatAi.Tests.Console;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Attack: the console's public sign-in form flooded from one address, each post an audit row and a call spending the
/// API's per-address budget that every console page shares. The console stops the flood itself.
/// </summary>
public sealed class ConsoleSignInFloodTests
{
    [Fact]
    public async Task Sign_in_posts_beyond_the_limit_per_address_are_refused_by_the_console_while_its_pages_still_load()
    {
        // No API behind it: a post that reaches the API shows "unreachable", one refused first is a 429.
        await using var console = await ServiceProcess.StartAsync("WeChatAi.Admin", new Dictionary<string, string?>
        {
            ["Admin__ApiKey"] = "console-flood-admin-key-0123",
            ["Admin__ApiUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
        });
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = console.BaseAddress };
        var (token, cookie) = await ConsoleHttpTests.SignInFormAsync(browser);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < SignInExtensions.SignInPostsPerMinute + 5; i++)
        {
            using var response = await ConsoleHttpTests.PostSignInAsync(browser, token, cookie, password: $"guess {i}");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(SignInExtensions.SignInPostsPerMinute, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        // Only the form's posts are limited: the page itself (and every other page) still answers.
        using var page = await browser.GetAsync(new Uri("/sign-in", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
