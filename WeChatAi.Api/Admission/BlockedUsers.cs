using StackExchange.Redis;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Admission;

/// <summary>
/// The Redis set of blocked OpenIDs (<see cref="AdmissionKeys.Blocked"/>) every replica reads: the admission script
/// refuses their messages with one <c>SISMEMBER</c>, the instant replies ask <see cref="IsBlockedAsync"/> only when
/// they would answer. PostgreSQL's <c>wechat_users.Blocked</c> is the record; the operator's block and unblock write
/// it and then this set, and <see cref="BlockedUsersSync"/> rebuilds the set from it when an API starts.
/// </summary>
public sealed class BlockedUsers(IConnectionMultiplexer redis)
{
    private static readonly RedisScript<ReplaceCall> ReplaceScript = RedisScript.Load<ReplaceCall>(typeof(BlockedUsers), "BlockedUsers.Replace.lua");

    public async Task<bool> IsBlockedAsync(string appId, string openId) =>
        await redis.GetDatabase().SetContainsAsync(AdmissionKeys.Blocked(appId), openId).ConfigureAwait(false);

    public Task BlockAsync(string appId, string openId) => redis.GetDatabase().SetAddAsync(AdmissionKeys.Blocked(appId), openId);

    public Task UnblockAsync(string appId, string openId) => redis.GetDatabase().SetRemoveAsync(AdmissionKeys.Blocked(appId), openId);

    /// <summary>Makes the set exactly <paramref name="openIds"/>.</summary>
    public Task ReplaceAsync(string appId, IReadOnlyCollection<string> openIds) =>
        ReplaceScript.EvaluateAsync(redis.GetDatabase(), new ReplaceCall(AdmissionKeys.Blocked(appId), [.. openIds.Select(o => (RedisValue)o)]));

    private sealed record ReplaceCall(RedisKey Blocked, IReadOnlyList<RedisValue> OpenIds);
}
