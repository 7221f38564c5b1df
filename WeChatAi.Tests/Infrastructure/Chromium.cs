using Microsoft.Playwright;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>Debian's Chromium (<c>apt-get install chromium</c>) driven by Playwright; browser downloads are not possible here.</summary>
internal static class Chromium
{
    private static readonly string ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    // Playwright's 5 s default is about one Blazor page render on a 2-core machine with the whole AppHost running; an
    // expectation that holds returns as soon as it does, so a longer limit only delays a real failure.
    static Chromium() => Assertions.SetDefaultExpectTimeout(15_000);

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        // Without these Chromium reaches for Google's services, which this closed network refuses.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
}
