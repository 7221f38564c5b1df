using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Handoff;

namespace WeChatAi.Api.Overview;

/// <summary>
/// What the overview reads from PostgreSQL: the past days of <c>daily_statistics</c> (China's days) and today's
/// orders and handoff figures, with a ping. PostgreSQL away leaves them null and the store down, never fails the overview.
/// </summary>
/// <param name="PastDays">By day; a day without a row had no messages. Null when PostgreSQL did not answer.</param>
internal sealed partial record DatabaseFigures(
    IReadOnlyDictionary<DateOnly, (long Received, long Answered)>? PastDays, OrderOverview? Orders, HandoffFigures? Handoff, ServiceHealth Health)
{
    public const string Name = "postgresql";

    /// <summary>How long PostgreSQL may take (its client's retries included) before it counts as down for this reading.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    public static async Task<DatabaseFigures> ReadAsync(IServiceScopeFactory scopes, DateOnly today, int days, ILogger logger, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await db.Database.ExecuteSqlRawAsync("SELECT 1", deadline.Token);
            var ping = Stopwatch.GetElapsedTime(started);

            var first = today.AddDays(1 - days);
            var rows = await db.DailyStatistics.AsNoTracking()
                .Where(s => s.Day >= first && s.Day < today)
                .Select(s => new { s.Day, s.Messages, s.Answered })
                .ToListAsync(deadline.Token);
            var orders = await DailyFigures.OrdersAsync(db, today, deadline.Token);
            var handoff = await HandoffFigures.ReadAsync(db, today, deadline.Token);
            return new DatabaseFigures(
                rows.ToDictionary(r => r.Day, r => ((long)r.Messages, (long)r.Answered)),
                new OrderOverview(orders.PaidOrders, orders.RevenueFen, orders.RefundedFen),
                handoff,
                HealthStatus.Store(Name, ping, null));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            LogUnavailable(logger, ex);
            var reason = ex is OperationCanceledException ? $"no answer within {Deadline.TotalSeconds:0} s" : ex.Message;
            return new DatabaseFigures(null, null, null, HealthStatus.Store(Name, null, reason));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL figures left out of the overview: PostgreSQL did not answer")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
