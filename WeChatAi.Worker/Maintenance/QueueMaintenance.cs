using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Maintenance;

/// <summary>
/// Every <see cref="Interval"/>, for every shard: samples the group's lag and pending count and the dead-letter length
/// (the gauges show their sums over the shards), trims acknowledged entries off the job stream so it does not grow for ever, and dead letters older than
/// <see cref="WorkerOptions.DeadLetterRetentionDays"/> off the dead-letter stream.
/// </summary>
internal sealed class QueueMaintenance(IConnectionMultiplexer redis, JobShards shards, WorkerMetrics metrics, IOptions<WorkerOptions> options, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var samples = await Task.WhenAll(shards.All.Select(SampleAsync));
            if (samples.All(s => s is not null))
            {
                metrics.QueueSampled(samples.Sum(s => s!.Value.Lag), samples.Sum(s => s!.Value.Pending), samples.Sum(s => s!.Value.Dead));
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

    /// <summary>The shard's figures after trimming its streams; null when Redis is away (the next round tries again).</summary>
    private async Task<(long Lag, long Pending, long Dead)?> SampleAsync(JobShard shard)
    {
        try
        {
            var db = redis.GetDatabase();
            await TrimDeadLettersAsync(db, shard);
            var groups = await db.StreamGroupInfoAsync(QueueKeys.JobStream(shard));
            var group = groups.FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup);
            var dead = await db.StreamLengthAsync(QueueKeys.DeadLetterStream(shard));
            if (group.Name is not null)
            {
                await TrimAcknowledgedAsync(db, shard, group);
            }

            return (group.Lag ?? 0, group.PendingMessageCount, dead);
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// Stream ids start with the entry's time in milliseconds: MINID at the cutoff drops exactly the dead letters
    /// added before it (a dead letter retried and given up on again is a new entry and starts its retention again).
    /// </summary>
    private Task<long> TrimDeadLettersAsync(IDatabase db, JobShard shard)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.DeadLetterRetentionDays);
        return db.StreamTrimByMinIdAsync(QueueKeys.DeadLetterStream(shard), $"{cutoff.ToUnixTimeMilliseconds()}-0");
    }

    /// <summary>
    /// Entries before the oldest pending one, up to the last one delivered to the group, are acknowledged: nothing
    /// needs them any more. Unread and pending entries are never trimmed.
    /// </summary>
    private static async Task TrimAcknowledgedAsync(IDatabase db, JobShard shard, StreamGroupInfo group)
    {
        var minId = group.LastDeliveredId;
        if (group.PendingMessageCount > 0)
        {
            minId = (await db.StreamPendingAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup)).LowestPendingMessageId.ToString();
        }

        if (!string.IsNullOrEmpty(minId) && minId != "0-0")
        {
            await db.StreamTrimByMinIdAsync(QueueKeys.JobStream(shard), minId);
        }
    }
}
