using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Outbound;
using WeChatAi.Worker.Handoff;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class WorkerHandoffExtensions
{
    /// <summary>
    /// Handoff in the worker (docs/handoff.md): the pipeline's hold of a handed-off user's jobs, and the sweep (idle
    /// hand-back, the WeCom robot, through the outbound guard: the URL is an operator's setting).
    /// </summary>
    public static TBuilder AddHandoff<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddHandoffSessions();
        var services = builder.Services;
        services.TryAddSingleton<HandoffHold>();
        services.AddHttpClient(HandoffSweep.NotifyClientName).AddOutboundGuard(static services =>
            new OutboundPolicy(AllowedHosts: null, services.GetRequiredService<IOptions<HandoffOptions>>().Value.NotifyAllowPrivateAddresses));
        services.AddHostedService<HandoffSweep>();
        return builder;
    }
}
