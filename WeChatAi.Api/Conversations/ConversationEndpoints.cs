using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Conversations;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Memory;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{group}/admin/users</c> behind <c>Admin:ApiKey</c>: the search, one user, their exchanges, and the operator's
/// changes (block, unblock, reset memory, grant credits, nickname), each with its audit row (docs/console-data.md).
/// </summary>
public static class ConversationEndpoints
{
    public const int MaxReason = 200;
    public const int MaxNote = 200;
    public const int MaxCredits = 100_000;
    public const int MaxValidityDays = 3_650;
    public const int DefaultValidityDays = 30;

    private const string Unavailable = "The user store (PostgreSQL or Redis) is unavailable; a change may be recorded without being in effect yet: send it again.";

    public static TBuilder AddConversations<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddWeChatBilling();
        builder.Services.AddSingleton<UserDirectory>();
        return builder;
    }

    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var users = endpoints.MapAdminGroup("/users");

        users.MapGet("/", (string? q, string? count, string? before, UserDirectory directory, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId =>
            {
                q = q?.Trim();
                if (q is { Length: > UserDirectory.MaxQuery })
                {
                    return AdminRequests.BadRequest($"q must be at most {UserDirectory.MaxQuery} characters.");
                }

                if (!UserCursor.TryParse(before, out var cursor))
                {
                    return AdminRequests.BadRequest("before must be the nextBefore of the previous page ({lastSeenAt ticks}:{openId}).");
                }

                return AdminPaging.Count(count, out var problem) is { } size
                    ? Results.Json(await directory.SearchAsync(db, appId, q, cursor, size, ct), ConversationJson.Default.UserPage)
                    : problem!;
            })).WithName("SearchUsers");

        users.MapGet("/{openId}", (string openId, UserDirectory directory, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId => await directory.GetAsync(db, appId, openId, ct) is { } user
                ? Results.Json(user, ConversationJson.Default.UserView)
                : UnknownUser(openId))).WithName("GetUser");

        users.MapGet("/{openId}/exchanges", (string openId, string? count, string? before, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId =>
            {
                if (AdminPaging.Count(count, out var problem) is not { } size || AdminPaging.BeforeId(before, "an exchange", out problem) is not { } beforeId)
                {
                    return problem!;
                }

                return await db.Users.FindAsync([appId, openId], ct) is null
                    ? UnknownUser(openId)
                    : Results.Json(await UserDirectory.ExchangesAsync(db, appId, openId, beforeId, size, ct), ConversationJson.Default.ExchangePage);
            })).WithName("ListUserExchanges");

        users.MapPost("/{openId}/block", (string openId, HttpContext http, UserDirectory directory, BlockedUsers blocked, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, TimeProvider time, CancellationToken ct) =>
            Stores(options, async appId =>
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

                if (await db.Users.FindAsync([appId, openId], ct) is not { } user)
                {
                    return UnknownUser(openId);
                }

                user.Blocked = true;
                user.BlockedAt = time.GetUtcNow();
                user.BlockedReason = reason;
                audit.Add(db, http, "user.block", openId, new Dictionary<string, string?> { ["reason"] = reason });
                await db.SaveChangesAsync(ct);

                // After the commit: PostgreSQL is the record the set is rebuilt from; pressing again repairs a failed step.
                await blocked.BlockAsync(appId, openId);
                return Results.Json(await directory.ViewAsync(db, user, ct), ConversationJson.Default.UserView);
            })).WithName("BlockUser");

        users.MapPost("/{openId}/unblock", (string openId, HttpContext http, UserDirectory directory, BlockedUsers blocked, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId =>
            {
                if (await db.Users.FindAsync([appId, openId], ct) is not { } user)
                {
                    return UnknownUser(openId);
                }

                audit.Add(db, http, "user.unblock", openId, new Dictionary<string, string?> { ["reason"] = user.BlockedReason });
                user.Blocked = false;
                user.BlockedAt = null;
                user.BlockedReason = null;
                await db.SaveChangesAsync(ct);
                await blocked.UnblockAsync(appId, openId);
                return Results.Json(await directory.ViewAsync(db, user, ct), ConversationJson.Default.UserView);
            })).WithName("UnblockUser");

        users.MapPost("/{openId}/reset-memory", (string openId, HttpContext http, IConnectionMultiplexer redis, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId =>
            {
                if (await db.Users.FindAsync([appId, openId], ct) is null)
                {
                    return UnknownUser(openId);
                }

                var deleted = await redis.GetDatabase().KeyDeleteAsync(MemoryKeys.Memory(appId, openId));
                await audit.RecordAsync(http, "user.reset-memory", openId, new Dictionary<string, string?> { ["hadMemory"] = deleted ? "true" : "false" }, ct);
                return Results.NoContent();
            })).WithName("ResetUserMemory");

        users.MapPost("/{openId}/credits", (string openId, HttpContext http, CreditLedger ledger, CreditCache cache, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId =>
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
                    return Results.ValidationProblem(errors);
                }

                if (await db.Users.FindAsync([appId, openId], ct) is null)
                {
                    return UnknownUser(openId);
                }

                // A fresh key per call: each operator grant is its own ledger row.
                var key = $"grant:admin:{Guid.NewGuid():N}";
                var (entry, balance) = await db.InTransactionAsync(async () =>
                {
                    var granted = await ledger.GrantAsync(db, appId, openId, body!.Credits!.Value, days, key, note: note ?? "granted by an operator", cancellationToken: ct);
                    audit.Add(db, http, "user.credits", openId, new Dictionary<string, string?>
                    {
                        ["credits"] = granted.Entry.Credits.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["validityDays"] = days.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["note"] = note,
                        ["ledgerId"] = granted.Entry.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    });
                    await db.SaveChangesAsync(ct);
                    return (granted.Entry, await ledger.BalanceAsync(db, appId, openId, ct));
                }, ct);
                await cache.ApplyAsync(entry);
                return Results.Json(new BalanceView(balance.Credits), ConversationJson.Default.BalanceView);
            })).WithName("GrantUserCredits");

        users.MapPut("/{openId}/nickname", (string openId, HttpContext http, UserDirectory directory, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
            Stores(options, async appId =>
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

                if (await db.Users.FindAsync([appId, openId], ct) is not { } user)
                {
                    return UnknownUser(openId);
                }

                audit.Add(db, http, "user.nickname", openId, new Dictionary<string, string?> { ["from"] = user.Nickname, ["to"] = nickname });
                user.Nickname = nickname;
                await db.SaveChangesAsync(ct);
                return Results.Json(await directory.ViewAsync(db, user, ct), ConversationJson.Default.UserView);
            })).WithName("SetUserNickname");
        return endpoints;
    }

    private static Task<IResult> Stores(IOptions<WeChatOptions> options, Func<string, Task<IResult>> action) =>
        options.Value.AppId is { Length: > 0 } appId
            ? AdminEndpoints.StoresAsync(Unavailable, () => action(appId))
            : Task.FromResult(Results.Problem("WeChat:AppId is not configured, so there are no users to show.", statusCode: StatusCodes.Status503ServiceUnavailable));

    private static IResult UnknownUser(string openId) =>
        Results.Problem($"No user {openId} (openId): users appear with their first message or follow.", statusCode: StatusCodes.Status404NotFound);

    // An empty body is null (every field optional); malformed JSON a 400 showing the shape.
    private static Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct) where T : class =>
        AdminRequests.ReadJsonAsync(request, type, "JSON like " + type.Type.Name switch
        {
            nameof(BlockBody) => """{"reason":"..."}""",
            nameof(CreditsBody) => """{"credits":10,"validityDays":30,"note":"..."}""",
            _ => """{"nickname":"..."}""",
        }, ct, optional: true);
}
