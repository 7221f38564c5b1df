using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Memory;

/// <summary>
/// The conversation memory's key: written by the worker (<c>Worker/Memory</c>), deleted by the worker's <c>/reset</c>
/// and by the operator's reset in the API, so both name it from here.
/// </summary>
public static class MemoryKeys
{
    /// <summary>List of the user's last questions and answers.</summary>
    public static string Memory(JobShard shard, string appId, string openId) => $"{shard.Prefix}memory:{appId}:{openId}";
}
