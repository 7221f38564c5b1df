using System.Diagnostics;
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
    private readonly int _latencySample = StatsKeys.LatencySamplePerShard(shards.Count);

    public async Task CompleteAsync(RedisValue entryId, AiJob job, JobState state, StoredAnswer answer, DeliveryOutcome outcome, int attempt, Activity? activity)
    {
        var now = time.GetUtcNow();
        var latency = now - DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs);
        var delivered = outcome == DeliveryOutcome.Delivered;
        var shard = state.Shard;
        var counters = StatsKeys.Counters(shard, now);
        var latencies = StatsKeys.Latencies(shard, now);
        var minutes = StatsKeys.Minutes(shard, now);
        // One MULTI/EXEC on the job's shard (one slot): the acknowledgement and the shard's counters of the day land
        // together or not at all, so a job retried after a failed write (Redis restarting) is counted once.
        var transaction = redis.GetDatabase().CreateTransaction();
        Task[] writes =
        [
            transaction.StreamAcknowledgeAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, entryId),
            transaction.HashIncrementAsync(counters, delivered ? StatsKeys.AnsweredField : StatsKeys.DeferredField),
            transaction.KeyExpireAsync(counters, StatsKeys.Retention),
            state.FinishAsync(transaction),
            UserTurns.ReleaseAsync(transaction, shard, job, entryId),
            .. delivered
                ? new Task[]
                {
                    transaction.ListLeftPushAsync(latencies, (long)latency.TotalMilliseconds),
                    transaction.ListTrimAsync(latencies, 0, _latencySample - 1),
                    transaction.KeyExpireAsync(latencies, StatsKeys.Retention),
                    transaction.HashIncrementAsync(minutes, StatsKeys.AnsweredMinuteField(now)),
                    transaction.KeyExpireAsync(minutes, StatsKeys.MinutesRetention),
                }
                : [],
        ];
        await transaction.ExecuteAsync();
        await Task.WhenAll(writes);

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job msg {MsgId} {Outcome} after {Attempts} attempt(s), {LatencyMs} ms after it was received")]
    private static partial void LogCompleted(ILogger logger, long msgId, string outcome, int attempts, long latencyMs);
}
