using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Ordering;

namespace WeChatAi.Worker.Handoff;

/// <summary>
/// A job of a user handed to a person (a message queued before the session opened, or an operator's takeover while it
/// ran) never reaches the LLM: the job's first start finds the user's marker in the same script call
/// (<c>JobState.Start.lua</c>) and the attempt asks <see cref="IsHeldAsync"/> again just before the LLM call; a held
/// job is recorded for the operator, its charge given back, and acknowledged.
/// </summary>
internal sealed class HandoffHold(IConnectionMultiplexer redis, HandoffSessions sessions, QuotaGiveBack giveBack)
{
    /// <summary>The app's own notices (充值成功, the idle hand-back's text) are not the user's and always go out.</summary>
    public async Task<bool> IsHeldAsync(AiJob job) => job.Notice is not true && await sessions.IsOpenAsync(job.AppId, job.OpenId);

    public async Task HoldAsync(JobShard shard, RedisValue entryId, AiJob job, JobState state)
    {
        await sessions.RecordUserMessageAsync(
            job.AppId, job.OpenId, job.JobId, job.Content, job.Media?.Kind, DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs), CancellationToken.None);
        await giveBack.GiveBackAsync(job, "handed off");
        var db = redis.GetDatabase();
        await state.KeepAsync(JobState.FinishedTtl);
        await UserTurns.ReleaseAsync(db, shard, job, entryId);
        await db.StreamAcknowledgeAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, entryId);
    }
}

/// <summary>Thrown by the attempt when the user was handed to a person after the job started: the pipeline holds the job.</summary>
internal sealed class HandedOffException : Exception
{
    public HandedOffException()
        : base("The user was handed to a person; the job is held, not answered.")
    {
    }

    public HandedOffException(string message)
        : base(message)
    {
    }

    public HandedOffException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
