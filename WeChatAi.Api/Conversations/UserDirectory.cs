using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Conversations;

/// <summary>
/// The console's reads of users and their exchanges (docs/console-data.md): the search, one user, a user's exchanges
/// with their safety decisions. Every query is a keyset page on an index (docs/console-queries.md for the plans).
/// </summary>
internal sealed partial class UserDirectory(CreditLedger ledger, IConnectionMultiplexer redis, JobShards shards, TimeProvider time)
{
    /// <summary>Trigrams need 3 characters: a shorter text search looks only at this many newest exchanges.</summary>
    public const int ShortTextScan = 20_000;

    public const int MinIndexedText = 3;

    public const int MaxQuery = 100;

    private const int LastQuestionLength = 200;

    /// <summary>
    /// Users whose OpenID starts with <paramref name="q"/>, whose nickname contains it, or who asked or were answered
    /// a text containing it (case-insensitive); for "msg {MsgId}" as the logs write it, the user of that message;
    /// all users without <paramref name="q"/>. Newest message first.
    /// </summary>
    public async Task<UserPage> SearchAsync(WeChatDbContext db, string appId, string? q, UserCursor? before, int count, CancellationToken cancellationToken)
    {
        var rows = await SearchQuery(db, appId, q, before, count, await NewestExchangeIdAsync(db, q, cancellationToken)).ToListAsync(cancellationToken);
        var page = rows.Take(count).ToList();
        var balances = await ledger.BalancesAsync(db, appId, [.. page.Select(r => r.User.OpenId)], cancellationToken);
        var items = page.Select(r => new UserListItem(
            r.User.OpenId, r.User.Nickname, r.User.Subscribed, r.User.Blocked, r.User.BlockedReason, r.User.FirstSeenAt, r.User.LastSeenAt,
            r.Exchanges, balances.GetValueOrDefault(r.User.OpenId), r.LastQuestion)).ToList();
        return new UserPage(items, rows.Count > count ? new UserCursor(page[^1].User.LastSeenAt, page[^1].User.OpenId).ToString() : null);
    }

    /// <summary>The page's query (one more row than <paramref name="count"/>, to know whether there is a next page).</summary>
    public static IQueryable<UserRow> SearchQuery(WeChatDbContext db, string appId, string? q, UserCursor? before, int count, long newestExchangeId)
    {
        var users = Filter(db, appId, q, newestExchangeId);
        if (before is { } cursor)
        {
            users = users.Where(u => u.LastSeenAt < cursor.LastSeenAt || (u.LastSeenAt == cursor.LastSeenAt && string.Compare(u.OpenId, cursor.OpenId) < 0));
        }

        return users
            .OrderByDescending(u => u.LastSeenAt).ThenByDescending(u => u.OpenId)
            .Take(count + 1)
            .Select(u => new UserRow(
                u,
                db.Exchanges.Count(e => e.AppId == u.AppId && e.OpenId == u.OpenId),
                db.Exchanges.Where(e => e.AppId == u.AppId && e.OpenId == u.OpenId)
                    .OrderByDescending(e => e.Id).Select(e => e.Question.Substring(0, LastQuestionLength)).FirstOrDefault()));
    }

    /// <summary>The search's filter alone: the SQL the console's search runs (also printed by the benchmark).</summary>
    public static IQueryable<WeChatUser> Filter(WeChatDbContext db, string appId, string? q, long newestExchangeId)
    {
        var users = db.Users.AsNoTracking().Where(u => u.AppId == appId);
        if (string.IsNullOrEmpty(q))
        {
            return users;
        }

        // A job as the logs name it (JobRef: "msg {MsgId}"): the user whose exchange's id ends with that MsgId.
        if (LoggedMsgId().Match(q) is { Success: true } logged)
        {
            var suffix = ":" + logged.Groups[1].Value;
            return users.Where(u => db.Exchanges.Where(e => e.AppId == appId && e.JobId.EndsWith(suffix)).Select(e => e.OpenId).Contains(u.OpenId));
        }

        var escaped = q.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
        var prefix = escaped + "%";
        var contains = "%" + escaped + "%";
        var texts = db.Exchanges.Where(e => e.AppId == appId && (EF.Functions.ILike(e.Question, contains, @"\") || EF.Functions.ILike(e.Answer!, contains, @"\")));
        if (q.Length < MinIndexedText)
        {
            texts = texts.Where(e => e.Id > newestExchangeId - ShortTextScan);
        }

        return users.Where(u => EF.Functions.Like(u.OpenId, prefix, @"\")
            || EF.Functions.ILike(u.Nickname!, contains, @"\")
            || texts.Select(e => e.OpenId).Contains(u.OpenId));
    }

    public async Task<UserView?> GetAsync(WeChatDbContext db, string appId, string openId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.AppId == appId && u.OpenId == openId, cancellationToken);
        return user is null ? null : await ViewAsync(db, user, cancellationToken);
    }

    /// <summary>The user as the console shows them: the ledger's balance and today's free questions from Redis.</summary>
    public async Task<UserView> ViewAsync(WeChatDbContext db, WeChatUser user, CancellationToken cancellationToken)
    {
        var balance = await ledger.BalanceAsync(db, user.AppId, user.OpenId, cancellationToken);
        var freeUsed = (int?)await redis.GetDatabase().StringGetAsync(BillingKeys.FreeUsed(shards.Of(user.OpenId), user.AppId, user.OpenId, BillingDay.Of(time.GetUtcNow()))) ?? 0;
        return new UserView(user.OpenId, user.Nickname, user.Subscribed, user.Blocked, user.BlockedReason, user.BlockedAt, user.FirstSeenAt, user.LastSeenAt, balance.Credits, freeUsed);
    }

    public static async Task<ExchangePage> ExchangesAsync(WeChatDbContext db, string appId, string openId, long before, int count, CancellationToken cancellationToken)
    {
        var rows = await ExchangesQuery(db, appId, openId, before, count).ToListAsync(cancellationToken);
        var items = rows.Take(count).Select(ExchangeView.From).ToList();
        return new ExchangePage(items, rows.Count > count ? items[^1].Id : null);
    }

    public static IQueryable<ChatExchange> ExchangesQuery(WeChatDbContext db, string appId, string openId, long before, int count) =>
        db.Exchanges.AsNoTracking()
            .Where(e => e.AppId == appId && e.OpenId == openId && e.Id < before)
            .OrderByDescending(e => e.Id)
            .Take(count + 1)
            .Include(e => e.SafetyDecisions);

    [GeneratedRegex(@"^\s*msg\s*(\d{1,20})\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LoggedMsgId();

    private static async Task<long> NewestExchangeIdAsync(WeChatDbContext db, string? q, CancellationToken cancellationToken) =>
        q is { Length: > 0 and < MinIndexedText }
            ? await db.Exchanges.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0
            : 0;
}

internal sealed record UserRow(WeChatUser User, int Exchanges, string? LastQuestion);

/// <summary>The users list's keyset: the last row's <c>LastSeenAt</c> (UTC ticks) and OpenID, as <c>{ticks}:{openId}</c>.</summary>
internal readonly record struct UserCursor(DateTimeOffset LastSeenAt, string OpenId)
{
    public override string ToString() => $"{LastSeenAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{OpenId}";

    public static bool TryParse(string? text, out UserCursor? cursor)
    {
        cursor = null;
        if (text is null)
        {
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new UserCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
        return true;
    }
}
