using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;

namespace WeChatAi.Api.DeadLetters;

/// <summary>The handlers of <c>/api/admin/dead-letters</c>; each change leaves an audit row.</summary>
internal static partial class DeadLetterApi
{
    public const int DefaultPageSize = 100;

    public static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> ListAsync([AsParameters] DeadLetterQuery query, DeadLetterAdmin admin)
    {
        if (!AdminPaging.TryParseWhole(query.Count, DefaultPageSize, 1, DeadLetterAdmin.MaxPageSize, out var size))
        {
            return AdminRequests.BadRequest($"count must be a whole number between 1 and {DeadLetterAdmin.MaxPageSize}.");
        }

        if (query.After is not null && !IsEntryId(query.After))
        {
            return AdminRequests.BadRequest(IdMessage("after"));
        }

        return TypedResults.Ok(await admin.ListAsync(query.After, (int)size));
    }

    public static async Task<Ok<RetryAllResult>> RetryAllAsync(HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct)
    {
        var result = await admin.RetryAllAsync();
        await audit.RecordAsync(http, "deadletter.retry-all", "dead-letters", new Dictionary<string, string?>
        {
            ["retried"] = result.Retried.ToString(CultureInfo.InvariantCulture),
            ["skipped"] = result.Skipped.Count.ToString(CultureInfo.InvariantCulture),
        }, ct);
        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<RetriedDeadLetter>, ProblemHttpResult>> RetryAsync(string id, HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct)
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
            return TypedResults.Problem($"Dead letter {id} holds no valid job ({deadLetter.JobError}); it can only be discarded.", statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        var entryId = await admin.RetryAsync(id);
        if (entryId is null)
        {
            return NotFound(id);
        }

        await audit.RecordAsync(http, "deadletter.retry", id, new Dictionary<string, string?> { ["jobId"] = deadLetter.Job.JobId, ["entryId"] = entryId }, ct);
        return TypedResults.Ok(new RetriedDeadLetter(id, deadLetter.Job.JobId, entryId));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DiscardAsync(string id, HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct)
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
        return TypedResults.NoContent();
    }

    private static bool IsEntryId(string value) => EntryId().IsMatch(value);

    private static string IdMessage(string name) => $"{name} must be a stream entry id such as 1700000000000-0.";

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem($"No dead letter {id} (already retried, discarded, or older than the retention).", statusCode: StatusCodes.Status404NotFound);

    [GeneratedRegex(@"^[0-9]{1,20}-[0-9]{1,20}$")]
    private static partial Regex EntryId();
}

/// <summary>The query of <c>GET /api/admin/dead-letters</c>: the page after the entry <c>after</c>, <c>count</c> long.</summary>
internal sealed record DeadLetterQuery(string? After, string? Count);
