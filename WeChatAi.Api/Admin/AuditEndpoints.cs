using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary><c>GET {group}/admin/audit?count&amp;before&amp;actor&amp;action&amp;target</c>: the operators' changes, newest first.</summary>
public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapAdminGroup("/audit").MapGet("/", (string? count, string? before, string? actor, string? action, string? target, WeChatDbContext db, CancellationToken ct) =>
            AdminEndpoints.StoresAsync("The audit store (PostgreSQL) is unavailable.", async () =>
            {
                if (AdminPaging.Count(count, out var problem) is not { } size || AdminPaging.BeforeId(before, "an audit row", out problem) is not { } beforeId)
                {
                    return problem!;
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

                if (!string.IsNullOrWhiteSpace(target))
                {
                    query = query.Where(e => e.Target == target.Trim());
                }

                var rows = await query.OrderByDescending(e => e.Id).Take(size + 1).ToListAsync(ct);
                var items = rows.Take(size).Select(AuditRow.From).ToList();
                return Results.Json(new AuditPage(items, rows.Count > size ? items[^1].Id : null), AuditJson.Default.AuditPage);
            })).WithName("ListAudit");
        return endpoints;
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
