using WeChatAi.Core.Redis;

namespace WeChatAi.Worker.Common;

/// <summary>Redis keys only the workers use (the pending list and the budget are Core's <c>ReplyKeys</c>). Per-user keys carry the AppId: one Redis may serve several accounts.</summary>
internal static class WorkerKeys
{
    /// <summary>Hash of one job's progress: attempts, the generated answer, per-part delivery markers.</summary>
    public static string Job(JobShard shard, string jobId) => $"{shard.Prefix}job:{jobId}";

    /// <summary>Prefix of the shard's <see cref="Turns"/>, for the script that builds the key from each entry it reads (tag included: the keys stay in the stream's slot).</summary>
    public static string TurnsPrefix(JobShard shard) => $"{shard.Prefix}turns:";

    /// <summary>Sorted set of the user's unfinished stream entries, oldest first: whose turn it is.</summary>
    public static string Turns(JobShard shard, string appId, string openId) => $"{TurnsPrefix(shard)}{appId}:{openId}";

    /// <summary>Exists while WeChat shows the user "对方正在输入" (15 s, or until a message is sent).</summary>
    public static string Typing(JobShard shard, string appId, string openId) => $"{shard.Prefix}typing:{appId}:{openId}";
}
