using System.Globalization;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Billing.Orders;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>GET {group}/admin/orders?state&amp;openId&amp;from&amp;to&amp;count&amp;before</c> and
/// <c>GET {group}/admin/revenue?days=30</c> behind <c>Admin:ApiKey</c> (the refund is <c>RefundAdmin</c>'s).
/// </summary>
public static class OrderAdminEndpoints
{
    private const string Unavailable = "The order store (PostgreSQL) is unavailable.";

    public static IEndpointRouteBuilder MapOrderAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapAdminGroup("/orders").MapGet("/", (string? state, string? openId, string? from, string? to, string? count, string? before,
            WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) => AdminEndpoints.StoresAsync(Unavailable, async () =>
        {
            var errors = new Dictionary<string, string[]>();
            OrderState? wanted = null;
            if (!string.IsNullOrWhiteSpace(state))
            {
                if (Enum.TryParse<OrderState>(state.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(state, CultureInfo.InvariantCulture, out _))
                {
                    wanted = parsed;
                }
                else
                {
                    errors["state"] = [$"state must be one of {string.Join(", ", Enum.GetNames<OrderState>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}."];
                }
            }

            var fromTime = Time(from, "from", errors);
            var toTime = Time(to, "to", errors);
            if (AdminPaging.Count(count, out var problem) is not { } size || AdminPaging.BeforeId(before, "an order (nextBefore)", out problem) is not { } beforeId)
            {
                return problem!;
            }

            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }

            var filter = new OrderFilter(wanted, string.IsNullOrWhiteSpace(openId) ? null : openId.Trim(), fromTime, toTime);
            return Results.Json(await OrderQueries.PageAsync(db, options.Value.AppId ?? string.Empty, filter, beforeId, size, ct), OrderJson.Default.OrderPage);
        })).WithName("ListOrders");

        endpoints.MapAdminGroup("/revenue").MapGet("/", (string? days, WeChatDbContext db, TimeProvider time, CancellationToken ct) => AdminEndpoints.StoresAsync(Unavailable, async () =>
        {
            var span = 30;
            if (days is not null && (!int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out span) || span is < 1 or > OrderQueries.MaxRevenueDays))
            {
                return AdminRequests.BadRequest($"days must be a whole number between 1 and {OrderQueries.MaxRevenueDays}.");
            }

            return Results.Json(await OrderQueries.RevenueAsync(db, span, time.GetUtcNow(), ct), OrderJson.Default.ListRevenueDay);
        })).WithName("GetRevenue");
        return endpoints;
    }

    /// <summary>An ISO-8601 time with an offset (<c>2026-12-01T00:00:00+08:00</c>) or a date, taken as China's day start.</summary>
    private static DateTimeOffset? Time(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return BillingDay.Start(day).ToUniversalTime();
        }

        if (DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUniversalTime();
        }

        errors[name] = [$"{name} must be a date (2026-12-01, a China day) or an ISO-8601 time (2026-12-01T08:00:00Z)."];
        return null;
    }
}
