using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Pipeline;

/// <summary>The streams <see cref="QueueKeys.DeadLetterStream"/> of jobs given up on, each with why, one per shard.</summary>
internal sealed partial class DeadLetters(IConnectionMultiplexer redis, WorkerMetrics metrics, TimeProvider time, ILogger<DeadLetters> logger)
{
    /// <summary>
    /// Moves the entry to its shard's dead-letter stream and acknowledges it, atomically (one slot: the shard's). The answer and the taken-over pending
    /// parts go with it: the operator sees them, and a retry delivers them even if the job's state was lost.
    /// </summary>
    public async Task AddAsync(JobShard shard, RedisValue entryId, NameValueEntry[] fields, string reason, int attempts, string? answer = null, string? takenOverParts = null)
    {
        var now = time.GetUtcNow();
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StreamAddAsync(QueueKeys.DeadLetterStream(shard),
        [
            .. fields,
            new(DeadLetterFields.Reason, reason),
            new(DeadLetterFields.Attempts, attempts),
            new(DeadLetterFields.DeadAt, now.ToUnixTimeMilliseconds()),
            new(DeadLetterFields.SourceId, entryId),
            .. answer is null ? Array.Empty<NameValueEntry>() : [new(DeadLetterFields.Answer, answer)],
            .. takenOverParts is null or "[]" ? Array.Empty<NameValueEntry>() : [new(DeadLetterFields.TakenOverParts, takenOverParts)],
        ]);
        _ = transaction.StreamAcknowledgeAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, entryId);
        _ = transaction.HashIncrementAsync(StatsKeys.Counters(shard, now), StatsKeys.DeadLetteredField);
        _ = transaction.KeyExpireAsync(StatsKeys.Counters(shard, now), StatsKeys.Retention);
        await transaction.ExecuteAsync();
        metrics.DeadLettered();
        LogDeadLettered(logger, entryId.ToString(), reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream entry {EntryId} dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string entryId, string reason);
}
