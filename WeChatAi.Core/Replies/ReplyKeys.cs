using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Replies;

/// <summary>
/// Redis keys of answers that do not go out as a push: parts waiting for the user's next message (both reply modes),
/// and passive reply mode (<c>WeChat:ReplyMode=passive</c>, or an account without customer-service permission), where
/// the worker stores each answer and whichever API replica holds WeChat's request for that message returns it.
/// </summary>
public static class ReplyKeys
{
    /// <summary>Pub/sub channel: the worker publishes a job id when that job's answer is stored.</summary>
    public const string AnswerChannel = "wechatai:passive:answers";

    /// <summary>WeChat's passive replies, like its customer-service messages, hold at most 2048 bytes of text.</summary>
    public const int MaxReplyBytes = 2048;

    /// <summary>What the "继续" link sends; with parts pending, such a message is answered with the next ones at once.</summary>
    public const string ContinueText = "继续";

    /// <summary>Default of <c>WeChat:PendingTtlHours</c>: how long parts wait for the next message.</summary>
    public const int DefaultPendingTtlHours = 168;

    /// <summary>How long answers, replies and markers of one job are kept: WeChat's three attempts take 15 s.</summary>
    public static readonly TimeSpan JobTtl = TimeSpan.FromHours(1);

    /// <summary>Hash: customer-service messages left for the user (<c>left</c>) and when their last message came (<c>at</c>); <see cref="MessageBudget"/>.</summary>
    public static string Budget(JobShard shard, string appId, string openId) => $"{shard.Prefix}budget:{appId}:{openId}";

    /// <summary>List of answer parts waiting for the user's next message (both reply modes use it).</summary>
    public static string Pending(JobShard shard, string appId, string openId) => $"{shard.Prefix}pending:{appId}:{openId}";

    /// <summary>String: JSON array of the answer's parts (plain text), stored by the worker.</summary>
    public static string Answer(JobShard shard, string jobId) => $"{shard.Prefix}passive:answer:{jobId}";

    /// <summary>String: the passive reply given for the job, so WeChat's retries get the same text.</summary>
    public static string Reply(JobShard shard, string jobId) => $"{shard.Prefix}passive:reply:{jobId}";

    /// <summary>Counter of WeChat's attempts for the job, across replicas.</summary>
    public static string Attempts(JobShard shard, string jobId) => $"{shard.Prefix}passive:attempts:{jobId}";

    /// <summary>Exists when WeChat stopped trying: the answer goes to <see cref="Pending"/> for the user's next message.</summary>
    public static string Deferred(JobShard shard, string jobId) => $"{shard.Prefix}passive:deferred:{jobId}";

    /// <summary>String: the reply given to one "继续" message, so WeChat's retries of it get the same parts.</summary>
    public static string ContinueReply(JobShard shard, string appId, string openId, long msgId) => $"{shard.Prefix}passive:continue:{appId}:{openId}:{msgId}";

    /// <summary>
    /// Exists when the worker found the account lacks customer-service permission (48001): reply passively. Written to
    /// every shard, so each shard's admission script reads it in its own slot.
    /// </summary>
    public static string PassiveSwitch(JobShard shard, string appId) => $"{shard.Prefix}passive:switch:{appId}";
}
