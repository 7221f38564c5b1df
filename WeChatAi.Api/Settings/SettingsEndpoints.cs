using Microsoft.AspNetCore.Mvc;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Settings;
using WeChatAi.Core.Data;
using WeChatAi.Core.Settings;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{group}/admin/settings</c> behind <c>Admin:ApiKey</c>: <c>GET</c> the editable settings as they are in force, and
/// <c>PUT</c> changes to them, checked with the rules the services start with, audited per setting and live in every
/// replica and the worker within about a second (docs/settings.md).
/// </summary>
public static class SettingsEndpoints
{
    private const string Unavailable = "The settings store (PostgreSQL or Redis) is unavailable; nothing was changed unless a later GET shows it.";

    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Above the API's 64 KB: the console's JSON escapes CJK text as \uXXXX (6 bytes a character), so the seven
    /// 600-character texts at their longest are about 30 KB, and each product about 0.9 KB more: room for 100 products.
    /// </summary>
    public const int MaxPutBytes = 128 * 1024;

    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var settings = endpoints.MapAdminGroup("/settings");

        settings.MapGet("/", (WeChatDbContext db, IConfiguration configuration, CancellationToken request) => BoundedAsync(async ct =>
            Results.Json(await SettingsChanges.StateAsync(db, configuration, ct), SettingsJson.Default.SettingsState), request)).WithName("GetSettings");

        settings.MapPut("/", (HttpContext http, WeChatDbContext db, IConfiguration configuration, AccountSettingsStore store, AdminAudit audit, TimeProvider time, CancellationToken request) =>
            BoundedAsync(async ct =>
            {
                var (update, problem) = await AdminRequests.ReadJsonAsync(http.Request, SettingsJson.Default.SettingsUpdate, "a JSON object with values and/or products", ct);
                if (update is null)
                {
                    return problem!;
                }

                var (change, errors) = SettingsChange.From(update);
                if (errors.Count > 0)
                {
                    return Results.ValidationProblem(errors);
                }

                var saved = await SettingsChanges.SaveAsync(db, http, configuration, audit, time, change!, ct);
                if (saved.Errors.Count > 0)
                {
                    return Results.ValidationProblem(saved.Errors);
                }

                await store.ChangedAsync(ct);
                return Results.Json(await SettingsChanges.StateAsync(db, configuration, ct), SettingsJson.Default.SettingsState);
            }, request)).WithMetadata(new RequestSizeLimitAttribute(MaxPutBytes)).WithName("UpdateSettings");
        return endpoints;
    }

    // PostgreSQL away: a 503 in seconds, not after every retry of the execution strategy (a save meanwhile rolls back).
    private static async Task<IResult> BoundedAsync(Func<CancellationToken, Task<IResult>> action, CancellationToken request)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(request);
        bounded.CancelAfter(StoreTimeout);
        try
        {
            return await AdminEndpoints.StoresAsync(Unavailable, () => action(bounded.Token));
        }
        catch (OperationCanceledException) when (!request.IsCancellationRequested)
        {
            return Results.Problem(Unavailable, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
