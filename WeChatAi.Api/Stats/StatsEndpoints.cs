using StackExchange.Redis;
using WeChatAi.Api.Stats;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class StatsEndpoints
{
    /// <summary>How long one reading of the figures is served before Redis is asked again.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(2);

    private const string Unavailable = "The statistics store (Redis) is unavailable.";

    /// <summary>
    /// <c>GET {api}/stats</c> (public, behind the per-IP limit): today's received/answered messages, active users, the
    /// queue (waiting, in flight, dead) and answer latency percentiles, read from Redis at most once per
    /// <see cref="CacheDuration"/>. <c>GET {admin}/stats</c> adds today's orders and revenue: money is the operator's
    /// business, not the internet's. Both share one reading (<see cref="StatsApi"/>).
    /// </summary>
    public static RouteGroupBuilder MapStatsEndpoints(this RouteGroupBuilder api, RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(api);
        var services = ((IEndpointRouteBuilder)api).ServiceProvider;
        var cache = new StatsCache(services.GetRequiredService<WeChatAi.Core.Redis.JobShards>(), CacheDuration, TimeProvider.System);
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(cache.Dispose);
        api.MapGet("/stats", (IConnectionMultiplexer redis, CancellationToken ct) => StatsApi.GetAsync(cache, redis, ct))
            .WithStoreOutage(Unavailable).WithName("GetStats");
        admin.MapGroup("/stats").MapGet("/", (IConnectionMultiplexer redis, IServiceScopeFactory scopes, ILoggerFactory logs, CancellationToken ct) =>
                StatsApi.GetWithOrdersAsync(cache, redis, scopes, logs, ct))
            .WithStoreOutage(Unavailable).WithName("GetAdminStats");
        return api;
    }
}
