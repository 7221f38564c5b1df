using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;

namespace WeChatAi.Api.DeadLetters;

/// <summary>The handlers of <c>/api/admin/dead-letters</c>; each change leaves an audit row.</summary>
internal static class DeadLetterApi
{
    public const int DefaultPageSize = 100;

    public static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> ListAsync([AsParameters] DeadLetterQuery query, DeadLetterAdmin admin)
    {
        if (!AdminPaging.TryParseWhole(query.Count, DefaultPageSize, 1, DeadLetterAdmin.MaxPageSize, out var size))
        {
            return AdminRequests.BadRequest($"count must be a whole number between 1 and {DeadLetterAdmin.MaxPageSize}.");
        }

        DeadLetterId after = default;
        if (query.After is not null && !DeadLetterId.TryParse(query.After, out after))
        {
            return AdminRequests.BadRequest(IdMessage("after"));
        }

        return TypedResults.Ok(await admin.ListAsync(query.After is null ? null : after, (int)size));
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
        if (!DeadLetterId.TryParse(id, out var deadLetterId))
        {
            return AdminRequests.BadRequest(IdMessage("id"));
        }

        var deadLetter = await admin.GetAsync(deadLetterId);
        if (deadLetter is null)
        {
            return NotFound(id);
        }

        if (deadLetter.Job is null)
        {
            return TypedResults.Problem($"Dead letter {id} holds no valid job ({deadLetter.JobError}); it can only be discarded.", statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        var entryId = await admin.RetryAsync(deadLetterId);
        if (entryId is null)
        {
            return NotFound(id);
        }

        await audit.RecordAsync(http, "deadletter.retry", id, new Dictionary<string, string?> { ["jobId"] = deadLetter.Job.JobId, ["entryId"] = entryId }, ct);
        return TypedResults.Ok(new RetriedDeadLetter(id, deadLetter.Job.JobId, entryId));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DiscardAsync(string id, HttpContext http, DeadLetterAdmin admin, AdminAudit audit, CancellationToken ct)
    {
        if (!DeadLetterId.TryParse(id, out var deadLetterId))
        {
            return AdminRequests.BadRequest(IdMessage("id"));
        }

        var deadLetter = await admin.GetAsync(deadLetterId);
        if (deadLetter is null || !await admin.DiscardAsync(deadLetterId))
        {
            return NotFound(id);
        }

        await audit.RecordAsync(http, "deadletter.discard", id, new Dictionary<string, string?> { ["jobId"] = deadLetter.Job?.JobId, ["reason"] = deadLetter.Reason }, ct);
        return TypedResults.NoContent();
    }

    private static string IdMessage(string name) => $"{name} must be a dead letter's id, its shard and stream entry id, such as 3-1700000000000-0.";

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem($"No dead letter {id} (already retried, discarded, or older than the retention).", statusCode: StatusCodes.Status404NotFound);
}

/// <summary>The query of <c>GET /api/admin/dead-letters</c>: the page after the entry <c>after</c>, <c>count</c> long.</summary>
internal sealed record DeadLetterQuery(string? After, string? Count);
