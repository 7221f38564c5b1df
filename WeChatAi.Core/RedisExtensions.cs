using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WeChatAi.Core;
using WeChatAi.Core.Readiness;
using WeChatAi.Core.Redis;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class RedisExtensions
{
    /// <summary>The connection name every service uses for Redis (<c>ConnectionStrings:redis</c>).</summary>
    public const string ConnectionName = "redis";

    /// <summary>
    /// Reconnect at every heartbeat (1 s) rather than the client's exponential default (5 s, growing): a restarted
    /// Redis is back in use within about a second, while the webhook's requests still wait for it (3 s at most).
    /// </summary>
    private static readonly LinearRetry FastReconnect = new(500);

    /// <summary>How often the client asks each node its role (<c>INFO replication</c>): about one failover's length.</summary>
    private const int RoleCheckSeconds = 1;

    /// <summary>
    /// Registers the shared <c>IConnectionMultiplexer</c> with Aspire's health check and telemetry, and holds the
    /// service's start until Redis answers and the warm-ups ran (<see cref="StartupReadiness"/>).
    /// </summary>
    /// <param name="configure">A service's own client settings, applied after the shared ones.</param>
    public static TBuilder AddWeChatRedis<TBuilder>(this TBuilder builder, Action<ConfigurationOptions>? configure = null) where TBuilder : IHostApplicationBuilder
    {
        ConnectionStrings.Require(builder.Configuration, ConnectionName);
        builder.AddRedisClient(ConnectionName, configureOptions: options =>
        {
            options.ReconnectRetryPolicy = FastReconnect;

            // A cluster's promoted replica is known as a replica until its role is checked again (60 s by default):
            // meanwhile every write to its slots fails with "cannot be issued to a replica" (docs/scale-out.md).
            options.ConfigCheckSeconds = RoleCheckSeconds;

            // The client's exception messages otherwise name the keys, and most keys carry an OpenID (they are logged).
            options.IncludeDetailInExceptions = false;
            configure?.Invoke(options);
        });
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(StartupReadiness)))
        {
            return builder;
        }

        builder.AddValidatedOptions<RedisOptions>(RedisOptions.Section);
        services.AddSingleton(_ => new JobShards()); // its count is resolved by ShardCountCheck, below
        services.AddSingleton<ReplicaAcks>();
        services.AddSingleton<IStartupWarmUp, ShardCountCheck>(); // first warm-up: resolves the count before anything reads it
        services.AddSingleton<StartupReadiness>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<StartupReadiness>());
        GatedServer.Install(services);
        return builder;
    }
}
