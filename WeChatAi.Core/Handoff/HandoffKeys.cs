using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Handoff;

/// <summary>Handoff's Redis keys, in the user's shard (the admission script reads <see cref="Open"/> with the user's other keys).</summary>
public static class HandoffKeys
{
    /// <summary>Hash of the shard's users with an open session: OpenID → session id. PostgreSQL holds the session itself.</summary>
    public static string Open(JobShard shard, string appId) => $"{shard.Prefix}handoff:{appId}";

    /// <summary>String, <c>Handoff:WaitingTextMinutes</c>: the user got <c>Handoff:WaitingText</c> lately.</summary>
    public static string Waited(JobShard shard, string appId, string openId) => $"{shard.Prefix}handoff:waited:{appId}:{openId}";
}
