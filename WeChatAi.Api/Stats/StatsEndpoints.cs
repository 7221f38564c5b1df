using WeChatAi.Api.Stats;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

public static partial class StatsEndpoints
{
    /// <summary>How long one reading of the figures is served before Redis is asked again.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>GET {group}/stats</c> (mapped on the rate-limited <c>/api</c> group, public): today's received/answered messages,
    /// active users, the queue (waiting, in flight, dead) and answer latency percentiles, as JSON, read from Redis at most
    /// once per <see cref="CacheDuration"/>. <c>GET {group}/admin/stats</c> (<c>Admin:ApiKey</c>) adds today's orders and
    /// revenue: money is the operator's business, not the internet's.
    /// </summary>
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var cache = new StatsCache(CacheDuration, TimeProvider.System);
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(cache.Dispose);
        endpoints.MapGet("/stats", (StackExchange.Redis.IConnectionMultiplexer redis, CancellationToken cancellationToken) =>
                ReadAsync(() => cache.GetAsync(redis, cancellationToken), StatsJson.Default.StatsSnapshot))
            .WithName("GetStats");
        endpoints.MapAdminGroup("/stats").MapGet("/", (StackExchange.Redis.IConnectionMultiplexer redis, IServiceScopeFactory scopes, ILoggerFactory logs, CancellationToken cancellationToken) =>
                ReadAsync(() => cache.GetWithOrdersAsync(redis, day => OrdersAsync(scopes, logs, day), cancellationToken), StatsJson.Default.AdminStatsSnapshot))
            .WithName("GetAdminStats");
        return endpoints;
    }

    private static async Task<IResult> ReadAsync<T>(Func<Task<T>> read, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> json)
    {
        try
        {
            return Results.Json(await read(), json);
        }
        catch (StackExchange.Redis.RedisException)
        {
            return Results.Problem("The statistics store (Redis) is unavailable.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    // The message figures come from Redis and stay available without PostgreSQL; the order figures are then left out.
    private static async Task<OrderFigures?> OrdersAsync(IServiceScopeFactory scopes, ILoggerFactory logs, DateOnly day)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            return await DailyFigures.OrdersAsync(scope.ServiceProvider.GetRequiredService<WeChatDbContext>(), day);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogOrdersUnavailable(logs.CreateLogger(typeof(StatsEndpoints).FullName!), ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order figures left out of /api/stats: PostgreSQL did not answer")]
    private static partial void LogOrdersUnavailable(ILogger logger, Exception exception);
}
