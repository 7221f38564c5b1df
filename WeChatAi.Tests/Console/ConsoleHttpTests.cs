using System.Net;
using System.Text.RegularExpressions;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Console;

/// <summary>The console on its own, over HTTP: what it refuses before anyone has signed in.</summary>
public sealed partial class ConsoleHttpTests : IAsyncLifetime
{
    private const string ApiKey = "console-test-admin-key-0123";

    private ServiceProcess _console = null!;

    public async ValueTask InitializeAsync()
    {
        // No API behind it: these requests must be answered (or refused) by the console itself.
        _console = await ServiceProcess.StartAsync("WeChatAi.Admin", new Dictionary<string, string?>
        {
            ["Admin__ApiKey"] = ApiKey,
            ["Admin__ApiUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
        });
    }

    public async ValueTask DisposeAsync() => await _console.DisposeAsync();

    [Theory]
    [InlineData("/", "/sign-in?returnUrl=%2F")]
    [InlineData("/dead-letters", "/sign-in?returnUrl=%2Fdead-letters")]
    [InlineData("/settings", "/sign-in?returnUrl=%2Fsettings")]
    public async Task An_unauthenticated_page_request_is_redirected_to_the_sign_in_page(string path, string signIn)
    {
        using var browser = Browser();

        using var response = await browser.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(signIn, response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task The_sign_in_form_posted_without_its_antiforgery_token_is_refused()
    {
        using var browser = Browser();
        var (_, cookie) = await SignInFormAsync(browser);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "sign-in", ["Input.Name"] = "admin", ["Input.Password"] = "secret" }),
        };
        request.Headers.Add("Cookie", cookie);
        using var response = await browser.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("wechatai-console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_its_token_the_form_is_accepted_and_an_unreachable_api_is_shown_as_a_message_without_a_cookie()
    {
        using var browser = Browser();
        var (token, cookie) = await SignInFormAsync(browser);

        using var response = await PostSignInAsync(browser, token, cookie);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The API could not be reached", html, StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("wechatai-console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sign_out_without_the_antiforgery_token_is_refused()
    {
        using var browser = Browser();

        using var response = await browser.PostAsync(new Uri("/sign-out", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/sign-in" }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "Admin:ApiKey is not set")]
    [InlineData("0", "Admin:SessionCheckSeconds must be between 1 and 3600")]
    public async Task A_missing_key_or_a_bad_session_check_stops_the_console_naming_the_setting(string? sessionCheckSeconds, string message)
    {
        var environment = sessionCheckSeconds is null
            ? new Dictionary<string, string?>()
            : new Dictionary<string, string?> { ["Admin__ApiKey"] = ApiKey, ["Admin__SessionCheckSeconds"] = sessionCheckSeconds };
        await using var console = ServiceProcess.Launch("WeChatAi.Admin", environment);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => console.WaitUntilAliveAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private HttpClient Browser() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = _console.BaseAddress,
    };

    /// <summary>The sign-in page's antiforgery token and the cookie it pairs with.</summary>
    internal static async Task<(string Token, string Cookie)> SignInFormAsync(HttpClient browser)
    {
        using var page = await browser.GetAsync(new Uri("/sign-in", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var token = TokenField().Match(html).Groups[1].Value;
        Assert.NotEmpty(token);
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Split(';')[0];
        return (WebUtility.HtmlDecode(token), cookie);
    }

    internal static async Task<HttpResponseMessage> PostSignInAsync(HttpClient browser, string token, string cookie, string name = "admin", string password = "secret")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "sign-in",
                ["__RequestVerificationToken"] = token,
                ["Input.Name"] = name,
                ["Input.Password"] = password,
            }),
        };
        request.Headers.Add("Cookie", cookie);
        return await browser.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
