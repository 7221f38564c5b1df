using StackExchange.Redis;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Admission;

/// <summary>
/// The Redis set of blocked OpenIDs (<see cref="AdmissionKeys.Blocked"/>) every replica reads: the admission script
/// refuses their messages with one <c>SISMEMBER</c>, the instant replies ask <see cref="IsBlockedAsync"/> only when
/// they would answer. PostgreSQL's <c>wechat_users.Blocked</c> is the record; the operator's block and unblock write
/// it and then this set, and <see cref="BlockedUsersSync"/> rebuilds the set from it when an API starts. One set per
/// shard, holding that shard's users: the shard's admission script reads it in its own slot.
/// </summary>
public sealed class BlockedUsers(IConnectionMultiplexer redis, JobShards shards)
{
    private static readonly RedisScript<ReplaceCall> ReplaceScript = RedisScript.Load<ReplaceCall>(typeof(BlockedUsers), "BlockedUsers.Replace.lua");

    public async Task<bool> IsBlockedAsync(string appId, string openId) =>
        await redis.GetDatabase().SetContainsAsync(Key(appId, openId), openId).ConfigureAwait(false);

    public Task BlockAsync(string appId, string openId) => redis.GetDatabase().SetAddAsync(Key(appId, openId), openId);

    public Task UnblockAsync(string appId, string openId) => redis.GetDatabase().SetRemoveAsync(Key(appId, openId), openId);

    /// <summary>Makes the shards' sets exactly <paramref name="openIds"/>, each shard's in one step.</summary>
    public Task ReplaceAsync(string appId, IReadOnlyCollection<string> openIds)
    {
        var byShard = openIds.ToLookup(o => shards.Of(o).Index);
        var db = redis.GetDatabase();
        return Task.WhenAll(shards.All.Select(shard =>
            ReplaceScript.EvaluateAsync(db, new ReplaceCall(AdmissionKeys.Blocked(shard, appId), [.. byShard[shard.Index].Select(o => (RedisValue)o)]))));
    }

    private string Key(string appId, string openId) => AdmissionKeys.Blocked(shards.Of(openId), appId);

    private sealed record ReplaceCall(RedisKey Blocked, IReadOnlyList<RedisValue> OpenIds);
}
