using MudBlazor.Services;
using WeChatAi.Admin.Components;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

public static class ConsoleUiExtensions
{
    /// <summary>The Razor components on interactive server circuits, and MudBlazor's services (dialogs, snackbars).</summary>
    public static TBuilder AddConsoleUi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // The forms (sign-in, sign-out) are under 2 KB; 64 KB leaves room for Blazor's long-polling fallback, whose
        // posts carry SignalR messages of at most 32 KB. Interactive pages talk over a WebSocket, which has no body limit.
        builder.AddRequestBodyLimit(64 * 1024);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        return builder;
    }

    /// <summary>A body over its limit as a 413 problem, static assets, the antiforgery check (forms: sign-in, sign-out) and the pages.</summary>
    public static WebApplication MapConsoleUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRequestBodyLimitProblems();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
