using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using StackExchange.Redis;
using WeChatAi.Api.Admin;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The operator's endpoints, <c>{group}/admin/*</c> (mapped on the rate-limited <c>/api</c> group), behind
/// <c>Admin:ApiKey</c>: list, retry and discard dead letters.
/// </summary>
public static partial class AdminEndpoints
{
    /// <summary>The <c>Admin</c> settings (validated at startup) and the dead-letter operations.</summary>
    public static TBuilder AddAdmin<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<AdminOptions>(AdminOptions.Section);
        builder.Services.AddSingleton<DeadLetterAdmin>();
        builder.Services.AddSingleton<AdminSignIn>();
        builder.Services.AddSingleton<AdminAudit>();
        return builder;
    }

    /// <summary>
    /// <c>GET admin/dead-letters?after&amp;count</c>, <c>POST admin/dead-letters/{id}/retry</c>,
    /// <c>POST admin/dead-letters/retry-all</c>, <c>DELETE admin/dead-letters/{id}</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapSignInEndpoints();
        var deadLetters = endpoints.MapAdminGroup("/dead-letters");

        deadLetters.MapGet("/", (string? after, string? count, DeadLetterAdmin admin) => RedisAsync(async () =>
        {
            var size = 100;
            if (count is not null && (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > DeadLetterAdmin.MaxPageSize))
            {
                return AdminRequests.BadRequest($"count must be a whole number between 1 and {DeadLetterAdmin.MaxPageSize}.");
            }

            if (after is not null && !IsEntryId(after))
            {
                return AdminRequests.BadRequest(IdMessage("after"));
            }

            return Results.Json(await admin.ListAsync(after, size), AdminJson.Default.DeadLetterPage);
        })).WithName("ListDeadLetters");

        deadLetters.MapPost("/retry-all", (HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct) => AuditedAsync(async () =>
        {
            var result = await admin.RetryAllAsync();
            await audit.RecordAsync(http, "deadletter.retry-all", "dead-letters", new Dictionary<string, string?>
            {
                ["retried"] = result.Retried.ToString(CultureInfo.InvariantCulture),
                ["skipped"] = result.Skipped.Count.ToString(CultureInfo.InvariantCulture),
            }, ct);
            return Results.Json(result, AdminJson.Default.RetryAllResult);
        })).WithName("RetryAllDeadLetters");

        deadLetters.MapPost("/{id}/retry", (string id, HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct) => AuditedAsync(async () =>
        {
            if (!IsEntryId(id))
            {
                return AdminRequests.BadRequest(IdMessage("id"));
            }

            var deadLetter = await admin.GetAsync(id);
            if (deadLetter is null)
            {
                return NotFound(id);
            }

            if (deadLetter.Job is null)
            {
                return Results.Problem($"Dead letter {id} holds no valid job ({deadLetter.JobError}); it can only be discarded.", statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var entryId = await admin.RetryAsync(id);
            if (entryId is null)
            {
                return NotFound(id);
            }

            await audit.RecordAsync(http, "deadletter.retry", id, new Dictionary<string, string?> { ["jobId"] = deadLetter.Job.JobId, ["entryId"] = entryId }, ct);
            return Results.Json(new RetriedDeadLetter(id, deadLetter.Job.JobId, entryId), AdminJson.Default.RetriedDeadLetter);
        })).WithName("RetryDeadLetter");

        deadLetters.MapDelete("/{id}", (string id, HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct) => AuditedAsync(async () =>
        {
            if (!IsEntryId(id))
            {
                return AdminRequests.BadRequest(IdMessage("id"));
            }

            var deadLetter = await admin.GetAsync(id);
            if (deadLetter is null || !await admin.DiscardAsync(id))
            {
                return NotFound(id);
            }

            await audit.RecordAsync(http, "deadletter.discard", id, new Dictionary<string, string?> { ["jobId"] = deadLetter.Job?.JobId, ["reason"] = deadLetter.Reason }, ct);
            return Results.NoContent();
        })).WithName("DiscardDeadLetter");
        return endpoints;
    }

    /// <summary>A group under <c>admin</c> behind <c>Admin:ApiKey</c>, for other features' operator endpoints.</summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder endpoints, string path) =>
        endpoints.MapGroup("/admin" + path).AddEndpointFilter<AdminKeyFilter>();

    /// <summary>Runs an admin action on PostgreSQL and Redis; either being away is a 503 saying <paramref name="unavailable"/>.</summary>
    public static async Task<IResult> StoresAsync(string unavailable, Func<Task<IResult>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is NpgsqlException or RedisException or TimeoutException or RetryLimitExceededException
            || ex is InvalidOperationException { InnerException: NpgsqlException } or DbUpdateException { InnerException: NpgsqlException and not PostgresException })
        {
            return Results.Problem(unavailable, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    // A dead letter's change is in Redis and its audit row in PostgreSQL: either store away is a 503.
    private static Task<IResult> AuditedAsync(Func<Task<IResult>> action) =>
        StoresAsync("The queue store (Redis) or the audit store (PostgreSQL) is unavailable; a change made before the audit row failed shows in the next list.", action);

    private static async Task<IResult> RedisAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return Results.Problem("The queue store (Redis) is unavailable.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static bool IsEntryId(string value) => EntryId().IsMatch(value);

    private static string IdMessage(string name) => $"{name} must be a stream entry id such as 1700000000000-0.";

    private static IResult NotFound(string id) =>
        Results.Problem($"No dead letter {id} (already retried, discarded, or older than the retention).", statusCode: StatusCodes.Status404NotFound);

    [GeneratedRegex(@"^[0-9]{1,20}-[0-9]{1,20}$")]
    private static partial Regex EntryId();
}
