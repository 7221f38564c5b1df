using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using WeChatAi.Core;
using WeChatAi.Core.Readiness;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class RedisExtensions
{
    /// <summary>The connection name every service uses for Redis (<c>ConnectionStrings:redis</c>).</summary>
    public const string ConnectionName = "redis";

    /// <summary>
    /// Registers the shared <c>IConnectionMultiplexer</c> with Aspire's health check and telemetry, and holds the
    /// service's start until Redis answers and the warm-ups ran (<see cref="StartupReadiness"/>).
    /// </summary>
    public static TBuilder AddWeChatRedis<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ConnectionStrings.Require(builder.Configuration, ConnectionName);
        builder.AddRedisClient(ConnectionName);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(StartupReadiness)))
        {
            return builder;
        }

        services.AddSingleton<StartupReadiness>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<StartupReadiness>());
        GateServer(services);
        return builder;
    }

    /// <summary>Wraps the web server (when there is one) in <see cref="GatedServer"/>.</summary>
    private static void GateServer(IServiceCollection services)
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
}
