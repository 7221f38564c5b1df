using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Stats;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Pipeline;

/// <summary>The stream <see cref="QueueKeys.DeadLetterStream"/> of jobs given up on, each with why.</summary>
internal sealed partial class DeadLetters(IConnectionMultiplexer redis, WorkerMetrics metrics, TimeProvider time, ILogger<DeadLetters> logger)
{
    /// <summary>Moves the entry to the dead-letter stream and acknowledges it, atomically.</summary>
    public async Task AddAsync(RedisValue entryId, NameValueEntry[] fields, string reason, int attempts)
    {
        var now = time.GetUtcNow();
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StreamAddAsync(QueueKeys.DeadLetterStream,
        [
            .. fields,
            new("dead_reason", reason),
            new("dead_attempts", attempts),
            new("dead_at", now.ToUnixTimeMilliseconds()),
            new("source_id", entryId),
        ]);
        _ = transaction.StreamAcknowledgeAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, entryId);
        _ = transaction.HashIncrementAsync(StatsKeys.Counters(now), StatsKeys.DeadLetteredField);
        _ = transaction.KeyExpireAsync(StatsKeys.Counters(now), StatsKeys.Retention);
        await transaction.ExecuteAsync();
        metrics.DeadLettered();
        LogDeadLettered(logger, entryId.ToString(), reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream entry {EntryId} dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string entryId, string reason);
}
