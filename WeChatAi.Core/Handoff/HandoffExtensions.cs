using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Replies;

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class HandoffCoreExtensions
{
    /// <summary>The <c>Handoff</c> settings (validated at startup, the opening hours parsed), the sessions and the users' message budgets.</summary>
    public static TBuilder AddHandoffSessions<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<HandoffOptions>(HandoffOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<HandoffSessions>();
        builder.Services.TryAddSingleton<MessageBudget>();
        return builder;
    }
}
