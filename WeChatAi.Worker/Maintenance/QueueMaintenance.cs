using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Maintenance;

/// <summary>
/// Every <see cref="Interval"/>: samples the group's lag and pending count and the dead-letter length for the gauges,
/// and trims acknowledged entries off the job stream so it does not grow for ever.
/// </summary>
internal sealed class QueueMaintenance(IConnectionMultiplexer redis, WorkerMetrics metrics, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var db = redis.GetDatabase();
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
