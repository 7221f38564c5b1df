using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatAi.Core.Readiness;

/// <summary>
/// Kestrel behind <see cref="StartupReadiness"/>: when the service is stopped (SIGTERM) before it was ready, the server
/// is not started at all. Kestrel would otherwise fail its start on the cancelled token and the host would crash with
/// "Hosting failed to start" instead of stopping cleanly.
/// </summary>
internal sealed class GatedServer(IServer inner, StartupReadiness readiness) : IServer
{
    private bool _started;

    /// <summary>Wraps the registered web server, when there is one, so <see cref="StartupReadiness"/> gates it.</summary>
    public static void Install(IServiceCollection services)
    {
        var server = services.LastOrDefault(d => d.ServiceType == typeof(IServer));
        if (server?.ImplementationType is not { } kestrel)
        {
            return;
        }

        services.Remove(server);
        services.AddSingleton(kestrel);
        services.AddSingleton<IServer>(sp => new GatedServer((IServer)sp.GetRequiredService(kestrel), sp.GetRequiredService<StartupReadiness>()));
    }

    public IFeatureCollection Features => inner.Features;

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        if (!readiness.IsReady)
        {
            // Else the host would log "Now listening on" the configured addresses, though nothing listens.
            inner.Features.Get<IServerAddressesFeature>()?.Addresses.Clear();
            return;
        }

        await inner.StartAsync(application, cancellationToken).ConfigureAwait(false);
        _started = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _started ? inner.StopAsync(cancellationToken) : Task.CompletedTask;

    // The container owns Kestrel (registered under its own type) and disposes it.
    public void Dispose()
    {
    }
}
