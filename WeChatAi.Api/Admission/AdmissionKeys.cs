using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Admission;

/// <summary>Redis keys only admission uses (the shared ones are in Core's <c>QueueKeys</c>, <c>StatsKeys</c> and <c>ReplyKeys</c>).</summary>
public static class AdmissionKeys
{
    /// <summary>String, 5 min: the outcome of a message's first delivery, so WeChat's retries get the same reply.</summary>
    public static string Dedup(JobShard shard, string appId, string dedupKey) => $"{shard.Prefix}dedup:{appId}:{dedupKey}";

    /// <summary>String: the user's GCRA bucket (when it is full again, Unix ms), expiring then.</summary>
    public static string UserBucket(JobShard shard, string appId, string openId) => $"{shard.Prefix}ratelimit:{appId}:{openId}";

    /// <summary>Set of the shard's OpenIDs an operator blocked: kept by <see cref="BlockedUsers"/>, read by the admission script.</summary>
    public static string Blocked(JobShard shard, string appId) => $"{shard.Prefix}blocked:{appId}";
}
