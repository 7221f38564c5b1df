using Microsoft.Playwright;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>The README's and docs' screenshots, written by the browser tests that walk through the pages they show.</summary>
internal static class Screenshots
{
    /// <summary>Set to 1 to write docs/images/*.png while the tests run.</summary>
    public const string Variable = "SCREENSHOTS";

    /// <summary>With <see cref="Variable"/>=1, the page as a person sees it, into docs/images/<paramref name="name"/>.png.</summary>
    public static async Task TakeAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            return;
        }

        // Let charts, dialogs and snackbars settle: a screenshot mid-animation documents nothing.
        await page.WaitForTimeoutAsync(800);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Repository.Root, "docs", "images", $"{name}.png") });
    }
}
