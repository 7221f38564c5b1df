using StackExchange.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Passive;

/// <summary>
/// The user's tap on the "继续" link (a message <see cref="ReplyKeys.ContinueText"/>): the next parts waiting in
/// <see cref="ReplyKeys.Pending"/>, as a passive reply at once, without a job or the LLM.
/// </summary>
public sealed class PendingParts(IConnectionMultiplexer redis, JobShards shards)
{
    public static bool IsContinue(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content.Trim() == ReplyKeys.ContinueText;
    }

    /// <summary>The reply for this "继续" message, or null when nothing is pending.</summary>
    public Task<string?> TakeNextAsync(string appId, string openId, long msgId) =>
        PassiveReplyScripts.TakeNextAsync(redis.GetDatabase(), shards.Of(openId), appId, openId, msgId);
}
