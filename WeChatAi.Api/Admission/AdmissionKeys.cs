namespace WeChatAi.Api.Admission;

/// <summary>Redis keys only admission uses (the shared ones are in Core's <c>QueueKeys</c>, <c>StatsKeys</c> and <c>ReplyKeys</c>).</summary>
public static class AdmissionKeys
{
    /// <summary>String, 5 min: the outcome of a message's first delivery, so WeChat's retries get the same reply.</summary>
    public static string Dedup(string appId, string dedupKey) => $"wechatai:dedup:{appId}:{dedupKey}";

    /// <summary>String: the user's GCRA bucket (when it is full again, Unix ms), expiring then.</summary>
    public static string UserBucket(string appId, string openId) => $"wechatai:ratelimit:{appId}:{openId}";

    /// <summary>Set of the OpenIDs an operator blocked: kept by <see cref="BlockedUsers"/>, read by the admission script.</summary>
    public static string Blocked(string appId) => $"wechatai:blocked:{appId}";
}
