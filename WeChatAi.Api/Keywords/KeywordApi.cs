using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;

namespace WeChatAi.Api.Keywords;

/// <summary>
/// The handlers of <c>/api/admin/keywords</c>: list, create, replace, delete. Every change is audited in its
/// transaction and live on every replica within about a second (<see cref="KeywordReplies.ChangedAsync"/>).
/// </summary>
internal static class KeywordApi
{
    public static async Task<Ok<List<KeywordRuleView>>> ListAsync(WeChatDbContext db, CancellationToken ct)
    {
        var all = await db.KeywordReplies.AsNoTracking().OrderByDescending(r => r.Priority).ThenBy(r => r.Id).ToListAsync(ct);
        return TypedResults.Ok(all.Select(KeywordRuleView.From).ToList());
    }

    public static async Task<Results<Created<KeywordRuleView>, ProblemHttpResult>> CreateAsync(
        HttpContext http, WeChatDbContext db, KeywordReplies keywords, AdminAudit audit, IOptions<KeywordOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await KeywordRuleInput.ReadAsync(http.Request, options.Value, ct);
        if (problem is not null)
        {
            return problem;
        }

        var rule = new KeywordReply { Pattern = input!.Pattern, Reply = input.Reply };

        // The audit row needs the rule's id: both commit in one transaction (a conflict rolls back to EF's savepoint).
        var conflict = await db.InTransactionAsync(async () =>
        {
            input.ApplyTo(rule, time.GetUtcNow());
            db.KeywordReplies.Add(rule);
            if (await SaveAsync(db, rule, ct) is { } refused)
            {
                return refused;
            }

            audit.Add(db, http, "keyword.create", Target(rule.Id), Detail(rule));
            await db.SaveChangesAsync(ct);
            return null;
        }, ct);
        if (conflict is not null)
        {
            return conflict;
        }

        await keywords.ChangedAsync(ct);
        return TypedResults.Created((string?)null, KeywordRuleView.From(rule));
    }

    public static async Task<Results<Ok<KeywordRuleView>, ProblemHttpResult>> UpdateAsync(
        long id, HttpContext http, WeChatDbContext db, KeywordReplies keywords, AdminAudit audit, IOptions<KeywordOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await KeywordRuleInput.ReadAsync(http.Request, options.Value, ct);
        if (problem is not null)
        {
            return problem;
        }

        var rule = await db.KeywordReplies.FindAsync([id], ct);
        if (rule is null)
        {
            return NotFound(id);
        }

        var detail = Detail(rule, "from");
        input!.ApplyTo(rule, time.GetUtcNow());
        foreach (var (name, value) in Detail(rule))
        {
            detail[name] = value;
        }

        audit.Add(db, http, "keyword.update", Target(id), detail);
        if (await SaveAsync(db, rule, ct) is { } conflict)
        {
            return conflict;
        }

        await keywords.ChangedAsync(ct);
        return TypedResults.Ok(KeywordRuleView.From(rule));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        long id, HttpContext http, WeChatDbContext db, KeywordReplies keywords, AdminAudit audit, CancellationToken ct)
    {
        var deleted = await db.InTransactionAsync(async () =>
        {
            var rule = await db.KeywordReplies.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
            if (rule is null || await db.KeywordReplies.Where(r => r.Id == id).ExecuteDeleteAsync(ct) == 0)
            {
                return false;
            }

            audit.Add(db, http, "keyword.delete", Target(id), Detail(rule));
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);
        if (!deleted)
        {
            return NotFound(id);
        }

        await keywords.ChangedAsync(ct);
        return TypedResults.NoContent();
    }

    // The unique index on (match type, pattern) turns a second identical rule into a 409 naming the first.
    private static async Task<ProblemHttpResult?> SaveAsync(WeChatDbContext db, KeywordReply rule, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var existing = await db.KeywordReplies.AsNoTracking()
                .Where(r => r.MatchType == rule.MatchType && r.Pattern == rule.Pattern)
                .Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);
            return TypedResults.Problem(
                $"A {rule.MatchType.ToString().ToLowerInvariant()} rule with pattern \"{rule.Pattern}\" exists already (id {existing}); change that one instead.",
                statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static string Target(long id) => $"keyword:{id}";

    /// <summary>What the audit row keeps of a rule (the reply cut short: the row holds at most 4 KB).</summary>
    private static Dictionary<string, string?> Detail(KeywordReply rule, string prefix = "")
    {
        string Name(string name) => prefix.Length == 0 ? name : prefix + char.ToUpperInvariant(name[0]) + name[1..];
        return new Dictionary<string, string?>
        {
            [Name("matchType")] = rule.MatchType.ToString().ToLowerInvariant(),
            [Name("pattern")] = rule.Pattern,
            [Name("reply")] = rule.Reply.Length <= 100 ? rule.Reply : rule.Reply[..100] + "…",
            [Name("priority")] = rule.Priority.ToString(CultureInfo.InvariantCulture),
            [Name("enabled")] = rule.Enabled ? "true" : "false",
        };
    }

    private static ProblemHttpResult NotFound(long id) => TypedResults.Problem($"No keyword rule {id}.", statusCode: StatusCodes.Status404NotFound);
}
