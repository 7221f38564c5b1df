using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Admission;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Memory;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Conversations;

/// <summary>
/// The operator's changes to a user: block, unblock, reset memory, grant credits, nickname; each with its audit row
/// (in the change's transaction when the change is PostgreSQL's).
/// </summary>
internal static class UserChangeApi
{
    public const int MaxReason = 200;
    public const int MaxNote = 200;
    public const int MaxCredits = 100_000;
    public const int MaxValidityDays = 3_650;
    public const int DefaultValidityDays = 30;

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> BlockAsync(
        string openId, HttpContext http, UserDirectory directory, BlockedUsers blocked, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync(http.Request, ConversationJson.Default.BlockBody, ct);
        var reason = body?.Reason?.Trim() is { Length: > 0 } r ? r : null;
        if (problem is null && reason is { Length: > MaxReason })
        {
            problem = AdminRequests.BadRequest($"reason must be at most {MaxReason} characters.");
        }

        if (problem is not null)
        {
            return problem;
        }

        var appId = options.Value.AppId!;
        if (await db.Users.FindAsync([appId, openId], ct) is not { } user)
        {
            return UserApi.UnknownUser(openId);
        }

        user.Blocked = true;
        user.BlockedAt = time.GetUtcNow();
        user.BlockedReason = reason;
        audit.Add(db, http, "user.block", openId, new Dictionary<string, string?> { ["reason"] = reason });
        await db.SaveChangesAsync(ct);

        // After the commit: PostgreSQL is the record the set is rebuilt from; pressing again repairs a failed step.
        await blocked.BlockAsync(appId, openId);
        return TypedResults.Ok(await directory.ViewAsync(db, user, ct));
    }

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> UnblockAsync(
        string openId, HttpContext http, UserDirectory directory, BlockedUsers blocked, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        var appId = options.Value.AppId!;
        if (await db.Users.FindAsync([appId, openId], ct) is not { } user)
        {
            return UserApi.UnknownUser(openId);
        }

        audit.Add(db, http, "user.unblock", openId, new Dictionary<string, string?> { ["reason"] = user.BlockedReason });
        user.Blocked = false;
        user.BlockedAt = null;
        user.BlockedReason = null;
        await db.SaveChangesAsync(ct);
        await blocked.UnblockAsync(appId, openId);
        return TypedResults.Ok(await directory.ViewAsync(db, user, ct));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ResetMemoryAsync(
        string openId, HttpContext http, IConnectionMultiplexer redis, JobShards shards, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        var appId = options.Value.AppId!;
        if (await db.Users.FindAsync([appId, openId], ct) is null)
        {
            return UserApi.UnknownUser(openId);
        }

        var deleted = await redis.GetDatabase().KeyDeleteAsync(MemoryKeys.Memory(shards.Of(openId), appId, openId));
        await audit.RecordAsync(http, "user.reset-memory", openId, new Dictionary<string, string?> { ["hadMemory"] = deleted ? "true" : "false" }, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<BalanceView>, ProblemHttpResult, ValidationProblem>> GrantCreditsAsync(
        string openId, HttpContext http, CreditLedger ledger, CreditCache cache, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync(http.Request, ConversationJson.Default.CreditsBody, ct);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (body?.Credits is not (>= 1 and <= MaxCredits))
        {
            errors["credits"] = [$"credits must be a whole number between 1 and {MaxCredits}."];
        }

        var days = body?.ValidityDays ?? DefaultValidityDays;
        if (days is < 1 or > MaxValidityDays)
        {
            errors["validityDays"] = [$"validityDays must be between 1 and {MaxValidityDays}."];
        }

        var note = body?.Note?.Trim() is { Length: > 0 } n ? n : null;
        if (note is { Length: > MaxNote })
        {
            errors["note"] = [$"note must be at most {MaxNote} characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var appId = options.Value.AppId!;
        if (await db.Users.FindAsync([appId, openId], ct) is null)
        {
            return UserApi.UnknownUser(openId);
        }

        // A fresh key per call: each operator grant is its own ledger row.
        var key = $"grant:admin:{Guid.NewGuid():N}";
        var (entry, balance) = await db.InTransactionAsync(async () =>
        {
            var granted = await ledger.GrantAsync(db, appId, openId, body!.Credits!.Value, days, key, note: note ?? "granted by an operator", cancellationToken: ct);
            audit.Add(db, http, "user.credits", openId, new Dictionary<string, string?>
            {
                ["credits"] = granted.Entry.Credits.ToString(CultureInfo.InvariantCulture),
                ["validityDays"] = days.ToString(CultureInfo.InvariantCulture),
                ["note"] = note,
                ["ledgerId"] = granted.Entry.Id.ToString(CultureInfo.InvariantCulture),
            });
            await db.SaveChangesAsync(ct);
            return (granted.Entry, await ledger.BalanceAsync(db, appId, openId, ct));
        }, ct);
        await cache.ApplyAsync(entry);
        return TypedResults.Ok(new BalanceView(balance.Credits));
    }

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> SetNicknameAsync(
        string openId, HttpContext http, UserDirectory directory, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync(http.Request, ConversationJson.Default.NicknameBody, ct);
        var nickname = body?.Nickname?.Trim() is { Length: > 0 } v ? v : null;
        if (problem is null && nickname is { Length: > WeChatUser.MaxNickname })
        {
            problem = AdminRequests.BadRequest($"nickname must be at most {WeChatUser.MaxNickname} characters.");
        }

        if (problem is not null)
        {
            return problem;
        }

        if (await db.Users.FindAsync([options.Value.AppId!, openId], ct) is not { } user)
        {
            return UserApi.UnknownUser(openId);
        }

        audit.Add(db, http, "user.nickname", openId, new Dictionary<string, string?> { ["from"] = user.Nickname, ["to"] = nickname });
        user.Nickname = nickname;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await directory.ViewAsync(db, user, ct));
    }

    // An empty body is null (every field optional); malformed JSON a 400 showing the shape.
    private static Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct) where T : class =>
        AdminRequests.ReadJsonAsync(request, type, "JSON like " + type.Type.Name switch
        {
            nameof(BlockBody) => """{"reason":"..."}""",
            nameof(CreditsBody) => """{"credits":10,"validityDays":30,"note":"..."}""",
            _ => """{"nickname":"..."}""",
        }, ct, optional: true);
}
