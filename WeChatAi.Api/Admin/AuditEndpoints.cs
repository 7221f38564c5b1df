using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary><c>GET {group}/admin/audit?count&amp;before&amp;actor&amp;action</c>: the operators' changes, newest first.</summary>
public static class AuditEndpoints
{
    public const int DefaultPageSize = 50;

    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapAdminGroup("/audit").MapGet("/", (string? count, string? before, string? actor, string? action, WeChatDbContext db, CancellationToken ct) =>
            AdminEndpoints.StoresAsync("The audit store (PostgreSQL) is unavailable.", async () =>
            {
                if (!TryParse(count, DefaultPageSize, 1, MaxPageSize, out var size))
                {
                    return Results.Problem($"count must be a whole number between 1 and {MaxPageSize}.", statusCode: StatusCodes.Status400BadRequest);
                }

                if (!TryParse(before, long.MaxValue, 1, long.MaxValue, out var beforeId))
                {
                    return Results.Problem("before must be the id of an audit row (a positive whole number).", statusCode: StatusCodes.Status400BadRequest);
                }

                var query = db.AdminAudit.AsNoTracking().Where(e => e.Id < beforeId);
                if (!string.IsNullOrWhiteSpace(actor))
                {
                    query = query.Where(e => e.Actor == actor.Trim());
                }

                if (!string.IsNullOrWhiteSpace(action))
                {
                    query = query.Where(e => e.Action == action.Trim());
                }

                var rows = await query.OrderByDescending(e => e.Id).Take(size + 1).ToListAsync(ct);
                var items = rows.Take(size).Select(AuditRow.From).ToList();
                return Results.Json(new AuditPage(items, rows.Count > size ? items[^1].Id : null), AuditJson.Default.AuditPage);
            })).WithName("ListAudit");
        return endpoints;
    }

    private static bool TryParse(string? text, long fallback, long min, long max, out long value)
    {
        value = fallback;
        return text is null || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }

    private static bool TryParse(string? text, int fallback, int min, int max, out int value)
    {
        var ok = TryParse(text, (long)fallback, min, max, out long wide);
        value = (int)wide;
        return ok;
    }
}

internal sealed record AuditRow(long Id, DateTimeOffset At, string Actor, string Action, string Target, string? Detail)
{
    public static AuditRow From(AdminAuditEntry e) => new(e.Id, e.At, e.Actor, e.Action, e.Target, e.Detail);
}

internal sealed record AuditPage(IReadOnlyList<AuditRow> Items, long? NextBefore);

[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string?>))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class AuditJson : JsonSerializerContext;
