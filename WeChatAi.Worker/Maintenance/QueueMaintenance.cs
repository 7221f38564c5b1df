using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Maintenance;

/// <summary>
/// Every <see cref="Interval"/>: samples the group's lag and pending count and the dead-letter length for the gauges,
/// trims acknowledged entries off the job stream so it does not grow for ever, and dead letters older than
/// <see cref="WorkerOptions.DeadLetterRetentionDays"/> off the dead-letter stream.
/// </summary>
internal sealed class QueueMaintenance(IConnectionMultiplexer redis, WorkerMetrics metrics, IOptions<WorkerOptions> options, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var db = redis.GetDatabase();
                await TrimDeadLettersAsync(db);
                var groups = await db.StreamGroupInfoAsync(QueueKeys.JobStream);
                var group = groups.FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup);
                var dead = await db.StreamLengthAsync(QueueKeys.DeadLetterStream);
                metrics.QueueSampled(group.Lag ?? 0, group.PendingMessageCount, dead);
                if (group.Name is not null)
                {
                    await TrimAcknowledgedAsync(db, group);
                }
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                // No stream yet, or Redis away: the next round tries again.
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stream ids start with the entry's time in milliseconds: MINID at the cutoff drops exactly the dead letters
    /// added before it (a dead letter retried and given up on again is a new entry and starts its retention again).
    /// </summary>
    private Task<long> TrimDeadLettersAsync(IDatabase db)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.DeadLetterRetentionDays);
        return db.StreamTrimByMinIdAsync(QueueKeys.DeadLetterStream, $"{cutoff.ToUnixTimeMilliseconds()}-0");
    }

    /// <summary>
    /// Entries before the oldest pending one, up to the last one delivered to the group, are acknowledged: nothing
    /// needs them any more. Unread and pending entries are never trimmed.
    /// </summary>
    private static async Task TrimAcknowledgedAsync(IDatabase db, StreamGroupInfo group)
    {
        var minId = group.LastDeliveredId;
        if (group.PendingMessageCount > 0)
        {
            minId = (await db.StreamPendingAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup)).LowestPendingMessageId.ToString();
        }

        if (!string.IsNullOrEmpty(minId) && minId != "0-0")
        {
            await db.StreamTrimByMinIdAsync(QueueKeys.JobStream, minId);
        }
    }
}
