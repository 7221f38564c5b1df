using Microsoft.Playwright;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>Debian's Chromium (<c>apt-get install chromium</c>) driven by Playwright; browser downloads are not possible here.</summary>
internal static class Chromium
{
    private static readonly string ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        // Without these Chromium reaches for Google's services, which this closed network refuses.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
}
