using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;

namespace WeChatAi.Api.Billing.Orders;

/// <summary>The orders filter of the console.</summary>
internal sealed record OrderFilter(OrderState? State, string? OpenId, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>The console's reads of orders and money (docs/console-data.md; plans in docs/console-queries.md).</summary>
internal static class OrderQueries
{
    public const int MaxRevenueDays = 366;

    /// <summary>Newest first (by id), below <paramref name="before"/>; <c>from</c> inclusive, <c>to</c> exclusive on <c>created_at</c>.</summary>
    public static IQueryable<Order> Filter(WeChatDbContext db, string appId, OrderFilter filter, long before)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var orders = db.Orders.AsNoTracking().Where(o => o.Id < before);
        if (filter.State is { } state)
        {
            orders = orders.Where(o => o.State == state);
        }

        if (filter.OpenId is { } openId)
        {
            orders = orders.Where(o => o.AppId == appId && o.OpenId == openId);
        }

        if (filter.From is { } from)
        {
            orders = orders.Where(o => o.CreatedAt >= from);
        }

        if (filter.To is { } to)
        {
            orders = orders.Where(o => o.CreatedAt < to);
        }

        return orders.OrderByDescending(o => o.Id);
    }

    public static async Task<OrderPage> PageAsync(WeChatDbContext db, string appId, OrderFilter filter, long before, int count, CancellationToken cancellationToken)
    {
        var rows = await Filter(db, appId, filter, before).Take(count + 1).ToListAsync(cancellationToken);
        var items = rows.Take(count).Select(OrderView.From).ToList();
        return new OrderPage(items, rows.Count > count ? rows[count - 1].Id : null);
    }

    /// <summary>
    /// The last <paramref name="days"/> China days up to today, oldest first, every day present: read live from
    /// <c>orders</c> and <c>refunds</c> (the same figures <see cref="DailyFigures"/> rolls up, right for today too).
    /// </summary>
    public static async Task<List<RevenueDay>> RevenueAsync(WeChatDbContext db, int days, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = BillingDay.Of(now);
        var first = today.AddDays(1 - days);
        var start = BillingDay.Start(first).ToUniversalTime();
        var end = BillingDay.Start(today.AddDays(1)).ToUniversalTime();
        var rows = await RevenueSql(db, start, end).ToListAsync(cancellationToken);
        var byDay = rows.ToDictionary(r => r.Day);
        return [.. Enumerable.Range(0, days).Select(i => first.AddDays(i))
            .Select(d => byDay.TryGetValue(d, out var r) ? new RevenueDay(d, r.PaidOrders, r.RevenueFen, r.RefundedFen) : new RevenueDay(d, 0, 0, 0))];
    }

    /// <summary>Per China day (UTC+8, <see cref="BillingDay"/>) between <paramref name="start"/> and <paramref name="end"/>: paid orders, their amount, refunds succeeded.</summary>
    public static IQueryable<RevenueRow> RevenueSql(WeChatDbContext db, DateTimeOffset start, DateTimeOffset end) =>
        db.Database.SqlQuery<RevenueRow>($"""
            SELECT day AS "Day", sum(paid)::int AS "PaidOrders", sum(revenue)::bigint AS "RevenueFen", sum(refunded)::bigint AS "RefundedFen"
            FROM (
                SELECT (("PaidAt" AT TIME ZONE 'UTC') + interval '8 hours')::date AS day, 1 AS paid, "AmountFen" AS revenue, 0 AS refunded
                FROM orders WHERE "PaidAt" >= {start} AND "PaidAt" < {end}
                UNION ALL
                SELECT (("SucceededAt" AT TIME ZONE 'UTC') + interval '8 hours')::date, 0, 0, "AmountFen"
                FROM refunds WHERE "State" = 'Success' AND "SucceededAt" >= {start} AND "SucceededAt" < {end}
            ) AS money
            GROUP BY day
            """);
}

internal sealed class RevenueRow
{
    public DateOnly Day { get; init; }

    public int PaidOrders { get; init; }

    public long RevenueFen { get; init; }

    public long RefundedFen { get; init; }
}
