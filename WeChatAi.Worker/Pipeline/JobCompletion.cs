using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Recording;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Ordering;

namespace WeChatAi.Worker.Pipeline;

/// <summary>How a job ends: answered or deferred (acknowledged and counted), or given up on (apology, dead letter); recorded either way.</summary>
internal sealed partial class JobCompletion(
    IConnectionMultiplexer redis,
    JobShards shards,
    AnswerDelivery delivery,
    DeadLetters deadLetters,
    ExchangeRecorder recorder,
    QuotaGiveBack giveBack,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobCompletion> logger)
{
    private static readonly RedisScript<CompleteCall> CompleteScript = RedisScript.Load<CompleteCall>(typeof(JobCompletion), "JobCompletion.Complete.lua");

    public async Task CompleteAsync(RedisValue entryId, JobState state, AttemptResult result, int attempt, Activity? activity)
    {
        var (job, answer, outcome, endsTyping) = result;
        var now = time.GetUtcNow();
        var latency = now - DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs);
        var delivered = outcome == DeliveryOutcome.Delivered;
        var shard = state.Shard;
        // One script on the job's shard (one slot): the acknowledgement and the shard's counters of the day land together
        // or not at all, so a job retried after a failed write (Redis restarting) is counted once; the last part's
        // marker lands with them, or is written by the next attempt's start.
        var marks = state.UnwrittenMarks;
        await CompleteScript.EvaluateAsync(redis.GetDatabase(), new CompleteCall(
            QueueKeys.JobStream(shard),
            state.Key,
            WorkerKeys.Turns(shard, job.AppId, job.OpenId),
            WorkerKeys.Typing(shard, job.AppId, job.OpenId),
            StatsKeys.Counters(shard, now),
            StatsKeys.Latencies(shard, now),
            StatsKeys.Minutes(shard, now),
            QueueKeys.ConsumerGroup,
            entryId,
            endsTyping ? 1 : 0,
            (long)JobState.FinishedTtl.TotalMilliseconds,
            delivered ? StatsKeys.AnsweredField : StatsKeys.DeferredField,
            (long)StatsKeys.Retention.TotalMilliseconds,
            delivered ? ((long)latency.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "",
            StatsKeys.LatencySamplePerShard(shards.Count), // not kept from construction: the count is resolved at start
            StatsKeys.AnsweredMinuteField(now),
            (long)StatsKeys.MinutesRetention.TotalMilliseconds,
            marks));
        state.MarksWritten(marks);

        if (answer.Blocked is { } blocked)
        {
            // The user got content safety's replacement, not an answer: the question's free use or credit returns (once).
            await giveBack.GiveBackAsync(job, blocked == SafetyDirection.Question ? "question blocked" : "answer blocked");
        }

        recorder.Record(job, answer, delivered ? ExchangeOutcome.Answered : ExchangeOutcome.Deferred, state.EarlierAttempts + attempt, now);
        var outcomeName = delivered ? "answered" : "deferred";
        metrics.JobCompleted(outcomeName, latency);
        activity?.SetTag("wechatai.job.outcome", outcomeName);
        LogCompleted(logger, job.MsgId, outcomeName, attempt, (long)latency.TotalMilliseconds);
    }

    public async Task GiveUpAsync(RedisValue entryId, AiJob job, JobState state, int attempts, string reason, Activity? activity, CancellationToken cancellationToken)
    {
        await delivery.SendApologyAsync(job, state, options.Value.ApologyText, cancellationToken);
        // Kept a day past the dead letter's trim: a retry near the end of the retention still finds the part markers.
        await state.KeepAsync(TimeSpan.FromDays(options.Value.DeadLetterRetentionDays + 1));
        await deadLetters.AddAsync(state.Shard, entryId, job.ToStreamEntry(), reason, attempts, state.Answer?.Text, state.TakenOverParts);

        // No answer, no charge: the free question or credit returns (once, even if this runs again after a crash).
        await giveBack.GiveBackAsync(job, "dead-lettered");
        await UserTurns.ReleaseAsync(redis.GetDatabase(), state.Shard, job, entryId);
        recorder.Record(job, state.Answer, ExchangeOutcome.DeadLettered, state.EarlierAttempts + attempts, time.GetUtcNow(), reason);
        activity?.SetStatus(ActivityStatusCode.Error, reason);
        activity?.SetTag("wechatai.job.outcome", "dead_lettered");
    }

    /// <param name="EndTyping">1: the user's typing key is deleted.</param>
    /// <param name="LatencyMs">The answer's latency ('' when it was not delivered: no sample, no minute).</param>
    /// <param name="Marks">The job's unwritten part markers (field, value pairs).</param>
    private sealed record CompleteCall(
        RedisKey Stream, RedisKey Job, RedisKey Turns, RedisKey Typing, RedisKey Counters, RedisKey Latencies, RedisKey Minutes,
        string Group, RedisValue Entry, int EndTyping, long FinishedTtlMs, string CounterField, long RetentionMs,
        string LatencyMs, int LatencySample, string MinuteField, long MinutesRetentionMs, IReadOnlyList<RedisValue> Marks);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job msg {MsgId} {Outcome} after {Attempts} attempt(s), {LatencyMs} ms after it was received")]
    private static partial void LogCompleted(ILogger logger, long msgId, string outcome, int attempts, long latencyMs);
}
