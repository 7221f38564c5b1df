using MudBlazor.Services;
using WeChatAi.Admin.Components;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

public static class ConsoleUiExtensions
{
    /// <summary>The Razor components on interactive server circuits, and MudBlazor's services (dialogs, snackbars).</summary>
    public static TBuilder AddConsoleUi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        return builder;
    }

    /// <summary>Static assets, the antiforgery check (forms: sign-in, sign-out) and the pages.</summary>
    public static WebApplication MapConsoleUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
