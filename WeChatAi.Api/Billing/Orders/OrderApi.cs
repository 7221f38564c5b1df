using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Billing.Orders;

/// <summary>The handlers of <c>GET /api/admin/orders</c> and <c>GET /api/admin/revenue</c> (the refund is <see cref="RefundApi"/>).</summary>
internal static class OrderApi
{
    public const int DefaultRevenueDays = 30;

    public static async Task<Results<Ok<OrderPage>, ProblemHttpResult, ValidationProblem>> ListAsync(
        [AsParameters] OrderQuery query, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        if (AdminPaging.Check(query.Count, query.Before, "an order (nextBefore)", out var page) is { } problem)
        {
            return problem;
        }

        if (query.Check(out var filter) is { } invalid)
        {
            return invalid;
        }

        return TypedResults.Ok(await OrderQueries.PageAsync(db, options.Value.AppId ?? string.Empty, filter, page.Before, page.Count, ct));
    }

    public static async Task<Results<Ok<List<RevenueDay>>, ProblemHttpResult>> RevenueAsync([AsParameters] RevenueQuery query, WeChatDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (!AdminPaging.TryParseWhole(query.Days, DefaultRevenueDays, 1, OrderQueries.MaxRevenueDays, out var days))
        {
            return AdminRequests.BadRequest($"days must be a whole number between 1 and {OrderQueries.MaxRevenueDays}.");
        }

        return TypedResults.Ok(await OrderQueries.RevenueAsync(db, (int)days, time.GetUtcNow(), ct));
    }
}

/// <summary>
/// The query of <c>GET /api/admin/orders</c>: the page (<c>count</c>, <c>before</c>) and the filter — <c>state</c> (an
/// <see cref="OrderState"/>, any case), <c>openId</c>, and <c>from</c>/<c>to</c> (a China day or an ISO-8601 time).
/// </summary>
internal sealed record OrderQuery(string? State, string? OpenId, string? From, string? To, string? Count, string? Before)
{
    /// <summary>The filter asked for, or a 400 listing each bad field.</summary>
    public ValidationProblem? Check(out OrderFilter filter)
    {
        var errors = new Dictionary<string, string[]>();
        OrderState? wanted = null;
        if (!string.IsNullOrWhiteSpace(State))
        {
            if (Enum.TryParse<OrderState>(State.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(State, CultureInfo.InvariantCulture, out _))
            {
                wanted = parsed;
            }
            else
            {
                errors["state"] = [$"state must be one of {string.Join(", ", Enum.GetNames<OrderState>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}."];
            }
        }

        filter = new OrderFilter(wanted, string.IsNullOrWhiteSpace(OpenId) ? null : OpenId.Trim(), Time(From, "from", errors), Time(To, "to", errors));
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : null;
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

/// <summary>The query of <c>GET /api/admin/revenue</c>: how many China days back (1..366, default 30).</summary>
internal sealed record RevenueQuery(string? Days);
