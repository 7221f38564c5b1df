using WeChatAi.Admin.Components.Pages.Inbox;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class InboxExtensions
{
    /// <summary>The Inbox's feed of open handoff sessions: one per circuit (a console tab), shared by its badge and its page.</summary>
    public static TBuilder AddInbox<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddScoped<InboxFeed>();
        return builder;
    }
}
