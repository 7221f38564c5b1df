using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;

namespace WeChatAi.Api.Admin;

/// <summary>The audit's reader: <c>GET /api/admin/audit</c>.</summary>
internal static class AuditApi
{
    public static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAsync([AsParameters] AuditQuery query, WeChatDbContext db, CancellationToken ct)
    {
        if (AdminPaging.Check(query.Count, query.Before, "an audit row", out var page) is { } problem)
        {
            return problem;
        }

        var rows = db.AdminAudit.AsNoTracking().Where(e => e.Id < page.Before);
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            rows = rows.Where(e => e.Actor == query.Actor.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            rows = rows.Where(e => e.Action == query.Action.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            rows = rows.Where(e => e.Target == query.Target.Trim());
        }

        var found = await rows.OrderByDescending(e => e.Id).Take(page.Count + 1).ToListAsync(ct);
        var items = found.Take(page.Count).Select(AuditRow.From).ToList();
        return TypedResults.Ok(new AuditPage(items, found.Count > page.Count ? items[^1].Id : null));
    }
}

/// <summary>The query of <c>GET /api/admin/audit</c>: the page, and rows of one actor, action or target (exact, trimmed).</summary>
internal sealed record AuditQuery(string? Count, string? Before, string? Actor, string? Action, string? Target);

internal sealed record AuditRow(long Id, DateTimeOffset At, string Actor, string Action, string Target, string? Detail)
{
    public static AuditRow From(AdminAuditEntry e) => new(e.Id, e.At, e.Actor, e.Action, e.Target, e.Detail);
}

internal sealed record AuditPage(IReadOnlyList<AuditRow> Items, long? NextBefore);
