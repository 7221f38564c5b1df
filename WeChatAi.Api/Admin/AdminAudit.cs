using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using WeChatAi.Core.Data;

namespace WeChatAi.Api.Admin;

/// <summary>
/// Writes the audit row of an operator's change (<c>admin_audit</c>). A PostgreSQL change adds its row to the same
/// context with <see cref="Add"/>, so the change and its record commit together; a Redis-only change calls
/// <see cref="RecordAsync"/>.
/// </summary>
public sealed class AdminAudit(IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>The signed-in operator the console acts for, percent-encoded UTF-8 (headers are ASCII, names may be Chinese); the actor of the audit row.</summary>
    public const string OperatorHeader = "X-Admin-Operator";

    // Chinese stays readable in the row (psql, exports); the JSON is a column value, never HTML.
    private static readonly AuditJson DetailJson = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) });

    /// <summary>The actor of a call made with the admin key alone (a script).</summary>
    public const string KeyOnlyActor = "api-key";

    /// <summary>The <see cref="OperatorHeader"/> value, or null when absent; <paramref name="error"/> says why a present one is refused.</summary>
    public static string? Operator(HttpRequest request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        error = null;
        var value = Uri.UnescapeDataString(request.Headers[OperatorHeader].ToString()).Trim();
        if (value.Length == 0)
        {
            return null;
        }

        if (value.Length > AdminAuditEntry.MaxActor || value.Any(char.IsControl))
        {
            error = $"{OperatorHeader} must be at most {AdminAuditEntry.MaxActor} characters without control characters.";
            return null;
        }

        return value;
    }

    /// <summary>Who the request acts for: the operator <see cref="AdminOperatorFilter"/> read, else <see cref="KeyOnlyActor"/>.</summary>
    public static string Actor(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Features.Get<AdminOperator>()?.Name ?? KeyOnlyActor;
    }

    /// <summary>Adds the row to <paramref name="db"/>; the caller's SaveChanges (or transaction) commits it with the change.</summary>
    public void Add(WeChatDbContext db, HttpContext http, string action, string target, IReadOnlyDictionary<string, string?>? detail = null) =>
        Add(db, Actor(http), action, target, detail);

    /// <summary>As <see cref="Add(WeChatDbContext, HttpContext, string, string, IReadOnlyDictionary{string, string?}?)"/> for an actor not taken from a request (a sign-in attempt's name).</summary>
    public void Add(WeChatDbContext db, string actor, string action, string target, IReadOnlyDictionary<string, string?>? detail = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.AdminAudit.Add(new AdminAuditEntry
        {
            At = time.GetUtcNow(),
            Actor = Cut(actor, AdminAuditEntry.MaxActor),
            Action = Cut(action, AdminAuditEntry.MaxAction),
            Target = Cut(target, AdminAuditEntry.MaxTarget),
            Detail = detail is null ? null : Cut(JsonSerializer.Serialize(detail, DetailJson.IReadOnlyDictionaryStringString), AdminAuditEntry.MaxDetail),
        });
    }

    /// <summary>Writes the row at once, for a change that is not a PostgreSQL change (a dead letter, a sign-in).</summary>
    public Task RecordAsync(HttpContext http, string action, string target, IReadOnlyDictionary<string, string?>? detail, CancellationToken cancellationToken) =>
        RecordAsync(Actor(http), action, target, detail, cancellationToken);

    /// <inheritdoc cref="RecordAsync(HttpContext, string, string, IReadOnlyDictionary{string, string?}?, CancellationToken)"/>
    public async Task RecordAsync(string actor, string action, string target, IReadOnlyDictionary<string, string?>? detail, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        Add(db, actor, action, target, detail);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max];
}

[JsonSerializable(typeof(IReadOnlyDictionary<string, string?>))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class AuditJson : JsonSerializerContext;
