using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Conversations;

/// <summary>The console's reads of users: <c>GET /api/admin/users</c>, <c>/{openId}</c> and <c>/{openId}/exchanges</c>.</summary>
internal static class UserApi
{
    public static async Task<Results<Ok<UserPage>, ProblemHttpResult>> SearchAsync(
        [AsParameters] UserSearchQuery query, UserDirectory directory, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        var q = query.Q?.Trim();
        if (q is { Length: > UserDirectory.MaxQuery })
        {
            return AdminRequests.BadRequest($"q must be at most {UserDirectory.MaxQuery} characters.");
        }

        if (!UserCursor.TryParse(query.Before, out var cursor))
        {
            return AdminRequests.BadRequest("before must be the nextBefore of the previous page ({lastSeenAt ticks}:{openId}).");
        }

        if (AdminPaging.CheckCount(query.Count, out var size) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await directory.SearchAsync(db, options.Value.AppId!, q, cursor, size, ct));
    }

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetAsync(
        string openId, UserDirectory directory, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) =>
        await directory.GetAsync(db, options.Value.AppId!, openId, ct) is { } user ? TypedResults.Ok(user) : UnknownUser(openId);

    public static async Task<Results<Ok<ExchangePage>, ProblemHttpResult>> ExchangesAsync(
        string openId, [AsParameters] ExchangeQuery query, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        if (AdminPaging.Check(query.Count, query.Before, "an exchange", out var page) is { } problem)
        {
            return problem;
        }

        var appId = options.Value.AppId!;
        return await db.Users.FindAsync([appId, openId], ct) is null
            ? UnknownUser(openId)
            : TypedResults.Ok(await UserDirectory.ExchangesAsync(db, appId, openId, page.Before, page.Count, ct));
    }

    public static ProblemHttpResult UnknownUser(string openId) =>
        TypedResults.Problem($"No user {openId} (openId): users appear with their first message or follow.", statusCode: StatusCodes.Status404NotFound);
}

/// <summary>The query of the user search: <c>q</c> (an OpenID prefix, a nickname or a text), <c>count</c>, <c>before</c> (the previous page's <c>nextBefore</c>).</summary>
internal sealed record UserSearchQuery(string? Q, string? Count, string? Before);

/// <summary>The query of a user's exchanges: <c>count</c> and <c>before</c> (an exchange id), newest first.</summary>
internal sealed record ExchangeQuery(string? Count, string? Before);
