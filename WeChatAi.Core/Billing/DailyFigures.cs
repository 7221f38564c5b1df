using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;

namespace WeChatAi.Core.Billing;

/// <param name="PayingUsers">Distinct users with an order paid that day.</param>
public sealed record OrderFigures(int Orders, int PaidOrders, int PayingUsers, long RevenueFen, long RefundedFen);

/// <summary>A day's figures (China's day) from PostgreSQL: the live ones for <c>/api/stats</c> and the daily roll-up.</summary>
public static class DailyFigures
{
    public static async Task<OrderFigures> OrdersAsync(WeChatDbContext db, DateOnly day, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (start, end) = Range(day);
        var created = await db.Orders.CountAsync(o => o.CreatedAt >= start && o.CreatedAt < end, cancellationToken).ConfigureAwait(false);
        var paid = db.Orders.Where(o => o.PaidAt >= start && o.PaidAt < end);
        var paidOrders = await paid.CountAsync(cancellationToken).ConfigureAwait(false);
        var payingUsers = await paid.Select(o => o.OpenId).Distinct().CountAsync(cancellationToken).ConfigureAwait(false);
        var revenue = await paid.SumAsync(o => (long)o.AmountFen, cancellationToken).ConfigureAwait(false);
        var refunded = await db.Refunds.Where(r => r.State == RefundState.Success && r.SucceededAt >= start && r.SucceededAt < end)
            .SumAsync(r => (long)r.AmountFen, cancellationToken).ConfigureAwait(false);
        return new OrderFigures(created, paidOrders, payingUsers, revenue, refunded);
    }

    /// <summary>Computes <paramref name="day"/>'s row and writes it (insert or replace): running it again is harmless.</summary>
    public static async Task<DailyStatistics> RollUpAsync(WeChatDbContext db, DateOnly day, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (start, end) = Range(day);
        var exchanges = db.Exchanges.Where(e => e.ReceivedAt >= start && e.ReceivedAt < end);
        var orders = await OrdersAsync(db, day, cancellationToken).ConfigureAwait(false);
        var row = new DailyStatistics
        {
            Day = day,
            Messages = await exchanges.CountAsync(cancellationToken).ConfigureAwait(false),
            Answered = await db.Exchanges.CountAsync(e => e.AnsweredAt >= start && e.AnsweredAt < end, cancellationToken).ConfigureAwait(false),
            ActiveUsers = await exchanges.Select(e => e.OpenId).Distinct().CountAsync(cancellationToken).ConfigureAwait(false),
            Orders = orders.Orders,
            PaidOrders = orders.PaidOrders,
            PayingUsers = orders.PayingUsers,
            RevenueFen = orders.RevenueFen,
            RefundedFen = orders.RefundedFen,
            CreditsUsed = -await db.CreditLedger.Where(e => e.Kind == CreditEntryKind.Use && e.CreatedAt >= start && e.CreatedAt < end)
                .SumAsync(e => e.Credits, cancellationToken).ConfigureAwait(false),
            UpdatedAt = now,
        };
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO daily_statistics ("Day", "Messages", "Answered", "ActiveUsers", "Orders", "PaidOrders", "PayingUsers", "RevenueFen", "RefundedFen", "CreditsUsed", "UpdatedAt")
            VALUES ({row.Day}, {row.Messages}, {row.Answered}, {row.ActiveUsers}, {row.Orders}, {row.PaidOrders}, {row.PayingUsers}, {row.RevenueFen}, {row.RefundedFen}, {row.CreditsUsed}, {row.UpdatedAt})
            ON CONFLICT ("Day") DO UPDATE SET
                "Messages" = EXCLUDED."Messages", "Answered" = EXCLUDED."Answered", "ActiveUsers" = EXCLUDED."ActiveUsers", "Orders" = EXCLUDED."Orders",
                "PaidOrders" = EXCLUDED."PaidOrders", "PayingUsers" = EXCLUDED."PayingUsers", "RevenueFen" = EXCLUDED."RevenueFen",
                "RefundedFen" = EXCLUDED."RefundedFen", "CreditsUsed" = EXCLUDED."CreditsUsed", "UpdatedAt" = EXCLUDED."UpdatedAt"
            """, cancellationToken).ConfigureAwait(false);
        return row;
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Range(DateOnly day) =>
        (BillingDay.Start(day).ToUniversalTime(), BillingDay.Start(day.AddDays(1)).ToUniversalTime());
}
