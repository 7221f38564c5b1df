using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;

namespace WeChatAi.Api.Stats;

/// <summary>The handlers of <c>GET /api/stats</c> and <c>GET /api/admin/stats</c>.</summary>
internal static partial class StatsApi
{
    public static async Task<Ok<StatsSnapshot>> GetAsync(StatsCache cache, IConnectionMultiplexer redis, CancellationToken ct) =>
        TypedResults.Ok(await cache.GetAsync(redis, ct));

    public static async Task<Ok<AdminStatsSnapshot>> GetWithOrdersAsync(
        StatsCache cache, IConnectionMultiplexer redis, IServiceScopeFactory scopes, ILoggerFactory logs, CancellationToken ct) =>
        TypedResults.Ok(await cache.GetWithOrdersAsync(redis, day => OrdersAsync(scopes, logs, day), ct));

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
            LogOrdersUnavailable(logs.CreateLogger(typeof(StatsApi).FullName!), ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order figures left out of /api/stats: PostgreSQL did not answer")]
    private static partial void LogOrdersUnavailable(ILogger logger, Exception exception);
}
