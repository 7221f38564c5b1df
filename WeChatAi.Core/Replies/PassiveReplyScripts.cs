using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Replies;

/// <summary>
/// Both halves of passive reply mode in Redis: the worker stores a job's answer and announces it, the API replica
/// holding WeChat's request takes the reply. Each step is one script, so replicas and retries never race.
/// </summary>
public static class PassiveReplyScripts
{
    // Between parts that share one passive reply.
    private const string Separator = "\n\n";

    private static readonly RedisScript<StoreAnswerCall> StoreAnswerScript =
        RedisScript.Load<StoreAnswerCall>(typeof(PassiveReplyScripts), "PassiveReplyScripts.StoreAnswer.lua");

    private static readonly RedisScript<TakeReplyCall> TakeReplyScript =
        RedisScript.Load<TakeReplyCall>(typeof(PassiveReplyScripts), "PassiveReplyScripts.TakeReply.lua", library: "PassiveReplyScripts.Pack.lua");

    private static readonly RedisScript<TakeNextCall> TakeNextScript =
        RedisScript.Load<TakeNextCall>(typeof(PassiveReplyScripts), "PassiveReplyScripts.TakeNext.lua", library: "PassiveReplyScripts.Pack.lua");

    /// <summary>
    /// Ends a passive reply that leaves parts pending: WeChat shows the link as tappable text, and a tap sends
    /// <see cref="ReplyKeys.ContinueText"/> as the user's message.
    /// </summary>
    public static readonly string ContinueSuffix =
        $"{Separator}<a href=\"weixin://bizmsgmenu?msgmenucontent={ReplyKeys.ContinueText}&msgmenuid=1\">{ReplyKeys.ContinueText}</a>";

    /// <summary>The largest answer part that still leaves room for <see cref="ContinueSuffix"/> in one passive reply.</summary>
    public static int PartBytes(int maxMessageBytes) =>
        Math.Min(maxMessageBytes, ReplyKeys.MaxReplyBytes - Encoding.UTF8.GetByteCount(ContinueSuffix));

    /// <summary>Worker: stores the answer's parts for the API; false when WeChat gave up and they wait in the pending list.</summary>
    public static async Task<bool> StoreAnswerAsync(IDatabaseAsync db, JobShard shard, string appId, string openId, string jobId, IReadOnlyList<string> parts, TimeSpan pendingTtl)
    {
        var result = (string?)await StoreAnswerScript.EvaluateAsync(db, new StoreAnswerCall(
            ReplyKeys.Answer(shard, jobId), ReplyKeys.Deferred(shard, jobId), ReplyKeys.Pending(shard, appId, openId),
            JsonSerializer.Serialize(parts), (long)ReplyKeys.JobTtl.TotalSeconds, (long)pendingTtl.TotalSeconds, ReplyKeys.AnswerChannel, jobId))
            .ConfigureAwait(false);
        return result != "deferred";
    }

    /// <summary>
    /// API: the passive reply for the job, or null while its answer is not stored; <paramref name="deferIfMissing"/> on
    /// WeChat's last attempt sends a missing answer to the pending list.
    /// </summary>
    public static async Task<string?> TakeReplyAsync(IDatabaseAsync db, JobShard shard, string appId, string openId, string jobId, bool deferIfMissing, TimeSpan pendingTtl)
    {
        var result = await TakeReplyScript.EvaluateAsync(db, new TakeReplyCall(
            ReplyKeys.Reply(shard, jobId), ReplyKeys.Answer(shard, jobId), ReplyKeys.Pending(shard, appId, openId), ReplyKeys.Deferred(shard, jobId),
            deferIfMissing, Separator, ReplyKeys.MaxReplyBytes, (long)ReplyKeys.JobTtl.TotalSeconds, (long)pendingTtl.TotalSeconds, ContinueSuffix))
            .ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }

    /// <summary>
    /// API, for a <see cref="ReplyKeys.ContinueText"/> message: the next pending parts as its passive reply, or null when
    /// nothing is pending (the message is then an ordinary question).
    /// </summary>
    public static async Task<string?> TakeNextAsync(IDatabaseAsync db, JobShard shard, string appId, string openId, long msgId)
    {
        var result = await TakeNextScript.EvaluateAsync(db, new TakeNextCall(
            ReplyKeys.Pending(shard, appId, openId), ReplyKeys.ContinueReply(shard, appId, openId, msgId), Separator, ReplyKeys.MaxReplyBytes, ContinueSuffix, (long)ReplyKeys.JobTtl.TotalSeconds))
            .ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }

    /// <param name="Parts">The answer's parts as a JSON array.</param>
    /// <param name="Channel">Where the job id is published (<see cref="ReplyKeys.AnswerChannel"/>).</param>
    private sealed record StoreAnswerCall(
        RedisKey Answer, RedisKey Deferred, RedisKey Pending, string Parts, long JobTtlSeconds, long PendingTtlSeconds, string Channel, string JobId);

    /// <param name="Reply">The job's reply once built (WeChat's retries get the same one).</param>
    /// <param name="DeferIfMissing">WeChat's last attempt: a missing answer goes to the pending list when it comes.</param>
    private sealed record TakeReplyCall(
        RedisKey Reply, RedisKey Answer, RedisKey Pending, RedisKey Deferred,
        bool DeferIfMissing, string Separator, long MaxBytes, long JobTtlSeconds, long PendingTtlSeconds, string ContinueSuffix);

    /// <param name="Reply">This "继续" message's reply once built.</param>
    private sealed record TakeNextCall(RedisKey Pending, RedisKey Reply, string Separator, long MaxBytes, string ContinueSuffix, long ReplyTtlSeconds);
}
