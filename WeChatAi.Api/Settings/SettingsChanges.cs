using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Settings;

namespace WeChatAi.Api.Settings;

/// <summary>
/// Reads and saves the operator's overrides in <c>account_settings</c>. A change is checked as a whole — the configured
/// values, the overrides already saved and the request — with the options classes' own rules before anything is
/// written; saves are one at a time (an advisory lock), each changed setting with its audit row in the same transaction.
/// </summary>
internal static class SettingsChanges
{
    public const string AuditAction = "settings.update";

    /// <summary>The settings in force as this replica's configuration and the saved overrides make them.</summary>
    public static async Task<SettingsState> StateAsync(WeChatDbContext db, IConfiguration configuration, CancellationToken ct)
    {
        var rows = await db.AccountSettings.AsNoTracking().ToListAsync(ct);
        var resolved = BoundSettings.Resolve(configuration, AccountOverrides.From(rows));
        var latest = rows.Where(r => IsEditable(r.Key)).MaxBy(r => r.UpdatedAt);
        return new SettingsState(
            AccountSettingsCatalog.Settings.ToDictionary(s => s.Key, s => s.Read(resolved.Settings)),
            [.. AccountSettingsCatalog.Settings.Select(s => s.Key).Where(resolved.Applied.Values.ContainsKey)],
            resolved.Settings.Billing.Products,
            resolved.Applied.Products is not null,
            latest?.UpdatedAt,
            latest?.UpdatedBy);
    }

    /// <returns>The problems, keyed by setting, when the change breaks a rule (then nothing is written).</returns>
    public static async Task<(bool Saved, Dictionary<string, string[]> Errors)> SaveAsync(
        WeChatDbContext db, HttpContext http, IConfiguration configuration, AdminAudit audit, TimeProvider time, SettingsChange change, CancellationToken cancellationToken)
    {
        Dictionary<string, string[]> errors = [];
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtextextended('account_settings', 0))", ct);
            var rows = await db.AccountSettings.ToDictionaryAsync(r => r.Key, StringComparer.OrdinalIgnoreCase, ct);
            var current = AccountOverrides.From(rows.Values);
            var candidate = Candidate(current, change);
            (var after, errors) = Validate(configuration, candidate);
            if (after is null)
            {
                return;
            }

            var before = BoundSettings.Resolve(configuration, current).Settings;
            var actor = AdminAudit.Actor(http);
            var now = time.GetUtcNow();
            foreach (var key in change.Values.Keys)
            {
                var setting = AccountSettingsCatalog.Find(key)!;
                candidate.Values.TryGetValue(setting.Key, out var stored);
                if (Write(db, rows, setting.Key, stored, actor, now))
                {
                    audit.Add(db, http, AuditAction, setting.Key, Detail(setting.Read(before), setting.Read(after)));
                }
            }

            var products = candidate.Products is null ? null : AccountOverrides.SerializeProducts(candidate.Products);
            if (Write(db, rows, AccountSettingsCatalog.ProductsKey, products, actor, now))
            {
                audit.Add(db, http, AuditAction, AccountSettingsCatalog.ProductsKey, Detail(
                    AccountOverrides.SerializeProducts(before.Billing.Products), AccountOverrides.SerializeProducts(after.Billing.Products)));
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
        return (errors.Count == 0, errors);
    }

    private static AccountOverrides Candidate(AccountOverrides current, SettingsChange change)
    {
        var values = new Dictionary<string, string>(current.Values, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in change.Values)
        {
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        return new AccountOverrides(values, change.ResetProducts ? null : change.Products ?? current.Products);
    }

    private static (BoundSettings? Settings, Dictionary<string, string[]> Errors) Validate(IConfiguration configuration, AccountOverrides candidate)
    {
        using var root = candidate.Apply(configuration);
        return BoundSettings.Validate(root, candidate.Products);
    }

    /// <summary>Stores <paramref name="value"/> (null: deletes the row); false when it is what is stored already.</summary>
    private static bool Write(WeChatDbContext db, Dictionary<string, AccountSetting> rows, string key, string? value, string actor, DateTimeOffset now)
    {
        rows.TryGetValue(key, out var row);
        if (string.Equals(row?.Value, value, StringComparison.Ordinal))
        {
            return false;
        }

        if (value is null)
        {
            db.AccountSettings.Remove(row!);
        }
        else if (row is null)
        {
            db.AccountSettings.Add(new AccountSetting { Key = key, Value = value, UpdatedAt = now, UpdatedBy = actor });
        }
        else
        {
            (row.Value, row.UpdatedAt, row.UpdatedBy) = (value, now, actor);
        }

        return true;
    }

    private static Dictionary<string, string?> Detail(string? from, string? to) => new() { ["from"] = from, ["to"] = to };

    private static bool IsEditable(string key) =>
        AccountSettingsCatalog.Find(key) is not null || string.Equals(key, AccountSettingsCatalog.ProductsKey, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// <c>GET /api/admin/settings</c>: every editable setting's value in force, those the operator overrides, the products
/// on sale, and the last change.
/// </summary>
internal sealed record SettingsState(
    Dictionary<string, string?> Values, List<string> Overridden, List<ProductOptions> Products, bool ProductsOverridden, DateTimeOffset? UpdatedAt, string? UpdatedBy);

[JsonSerializable(typeof(SettingsUpdate))]
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
internal sealed partial class SettingsJson : JsonSerializerContext;
