using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.Settings;

namespace WeChatAi.Api.Settings;

/// <summary>
/// The handlers of <c>/api/admin/settings</c>. PostgreSQL away is a 503 in seconds, not after every retry of the
/// execution strategy: each call is bounded by <see cref="StoreTimeout"/> (a save meanwhile rolls back), and the
/// cancellation is answered as an outage.
/// </summary>
internal static class SettingsApi
{
    public const string Unavailable = "The settings store (PostgreSQL or Redis) is unavailable; nothing was changed unless a later GET shows it.";

    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(10);

    public static async Task<Ok<SettingsState>> GetAsync(WeChatDbContext db, IConfiguration configuration, CancellationToken request)
    {
        using var bounded = Bounded(request);
        return TypedResults.Ok(await SettingsChanges.StateAsync(db, configuration, bounded.Token));
    }

    public static async Task<Results<Ok<SettingsState>, ProblemHttpResult, ValidationProblem>> UpdateAsync(
        HttpContext http, WeChatDbContext db, IConfiguration configuration, AccountSettingsStore store, AdminAudit audit, TimeProvider time, CancellationToken request)
    {
        using var bounded = Bounded(request);
        var ct = bounded.Token;
        var (update, problem) = await AdminRequests.ReadJsonAsync(http.Request, SettingsJson.Default.SettingsUpdate, "a JSON object with values and/or products", ct);
        if (update is null)
        {
            return problem!;
        }

        var (change, errors) = SettingsChange.From(update);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var saved = await SettingsChanges.SaveAsync(db, http, configuration, audit, time, change!, ct);
        if (saved.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(saved.Errors);
        }

        await store.ChangedAsync(ct);
        return TypedResults.Ok(await SettingsChanges.StateAsync(db, configuration, ct));
    }

    private static CancellationTokenSource Bounded(CancellationToken request)
    {
        var bounded = CancellationTokenSource.CreateLinkedTokenSource(request);
        bounded.CancelAfter(StoreTimeout);
        return bounded;
    }
}
