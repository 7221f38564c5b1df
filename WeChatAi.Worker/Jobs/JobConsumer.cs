using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Llm;

namespace WeChatAi.Worker.Jobs;

/// <summary>
/// Reads the job stream as one consumer of the shared group and runs up to <see cref="WorkerOptions.MaxConcurrency"/>
/// jobs at once, starting from <see cref="WorkerOptions.InitialConcurrency"/> (slow start, see there). Jobs of a worker
/// that went silent for <see cref="WorkerOptions.ClaimIdleSeconds"/> are taken over (XAUTOCLAIM); this worker's own
/// jobs are kept fresh (XCLAIM JUSTID) while they run, so slow LLM calls are not mistaken for a dead worker.
/// </summary>
internal sealed partial class JobConsumer(
    IConnectionMultiplexer redis,
    JobProcessor processor,
    AccessTokenProvider tokens,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> workerOptions,
    IOptions<LlmOptions> llmOptions,
    IOptions<WeChatApiOptions> weChatOptions,
    TimeProvider time,
    ILogger<JobConsumer> logger) : BackgroundService
{
    private const int ReadBatch = 500;
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _jobsCancellation = new();
    private SemaphoreSlim? _slots;
    private int _limit;
    private volatile bool _limited;

    public string ConsumerName { get; } = string.IsNullOrWhiteSpace(workerOptions.Value.ConsumerName)
        ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}"
        : workerOptions.Value.ConsumerName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var missing = new List<string>();
        if (!llmOptions.Value.IsConfigured)
        {
            missing.Add("Llm:ApiKey");
        }

        if (!weChatOptions.Value.IsConfigured)
        {
            missing.Add("WeChat:AppId and WeChat:AppSecret");
        }

        if (missing.Count > 0)
        {
            LogNotConsuming(logger, string.Join(", ", missing));
            return;
        }

        var settings = workerOptions.Value;
        _limit = Math.Min(settings.InitialConcurrency, settings.MaxConcurrency);
        _slots = new SemaphoreSlim(_limit, settings.MaxConcurrency);
        await EnsureGroupAsync(stoppingToken);
        LogConsuming(logger, ConsumerName, _limit, settings.MaxConcurrency);
        _ = WarmUpAsync(stoppingToken);

        await Task.WhenAll(
            ReadLoopAsync(_slots, stoppingToken),
            ClaimLoopAsync(_slots, stoppingToken),
            HeartbeatLoopAsync(stoppingToken),
            SampleLoopAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken); // stops reading and claiming
        var running = _inFlight.Values.ToArray();
        if (running.Length > 0)
        {
            LogDraining(logger, running.Length, workerOptions.Value.ShutdownGraceSeconds);
            var grace = Task.Delay(TimeSpan.FromSeconds(workerOptions.Value.ShutdownGraceSeconds), time, cancellationToken);
            await Task.WhenAny(Task.WhenAll(running), grace);
        }

        // What is still running stays pending in the group: another worker takes it over.
        await _jobsCancellation.CancelAsync();
    }

    public override void Dispose()
    {
        _jobsCancellation.Dispose();
        _slots?.Dispose();
        base.Dispose();
    }

    private async Task EnsureGroupAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await redis.GetDatabase().StreamCreateConsumerGroupAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, StreamPosition.Beginning, createStream: true);
                return;
            }
            catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
            {
                return;
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                LogRedisError(logger, ex, "creating the consumer group");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    /// <summary>Fetches the access token ahead of the first answer (failures only logged: jobs fetch it again).</summary>
    private async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tokens.GetAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWarmUpFailed(logger, ex);
        }
    }

    private async Task ReadLoopAsync(SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromMilliseconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(stoppingToken);
                var free = slots.CurrentCount + 1;
                var count = Math.Min(free, ReadBatch);
                StreamEntry[] entries;
                try
                {
                    entries = await redis.GetDatabase().StreamReadGroupAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, ConsumerName, StreamPosition.NewMessages, count);
                }
                catch
                {
                    slots.Release();
                    throw;
                }

                // As many entries as free slots: more are waiting, so the limit is what holds work back.
                _limited = entries.Length == free;
                if (entries.Length == 0)
                {
                    slots.Release();
                    await Task.Delay(idle, time, stoppingToken);
                    idle = TimeSpan.FromMilliseconds(Math.Min(idle.TotalMilliseconds * 2, 100));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(5);
                Start(entries[0], slots);
                for (var i = 1; i < entries.Length; i++)
                {
                    // Only this loop and the claim loop take slots; the count read above is at most what is free.
                    await slots.WaitAsync(stoppingToken);
                    Start(entries[i], slots);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // Redis lost the stream or the group (restarted without its data): create them again.
                LogRedisError(logger, ex, "reading the job stream (group missing: creating it again)");
                await EnsureGroupAsync(stoppingToken);
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                LogRedisError(logger, ex, "reading the job stream");
                await DelayQuietly(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task ClaimLoopAsync(SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        var settings = workerOptions.Value;
        var minIdle = settings.ClaimIdleSeconds * 1000L;
        var interval = TimeSpan.FromMilliseconds(Math.Max(500, minIdle / 2));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                RedisValue cursor = "0-0";
                do
                {
                    var free = slots.CurrentCount;
                    if (free == 0)
                    {
                        break;
                    }

                    var result = await redis.GetDatabase().StreamAutoClaimAsync(
                        QueueKeys.JobStream, QueueKeys.ConsumerGroup, ConsumerName, minIdle, cursor, Math.Min(free, ReadBatch));
                    if (result.DeletedIds.Length > 0)
                    {
                        // Trimmed from the stream while pending: nothing left to process.
                        await redis.GetDatabase().StreamAcknowledgeAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, result.DeletedIds);
                    }

                    foreach (var entry in result.ClaimedEntries)
                    {
                        if (entry.IsNull || _inFlight.ContainsKey(entry.Id.ToString()))
                        {
                            continue;
                        }

                        LogClaimed(logger, entry.Id);
                        await slots.WaitAsync(stoppingToken);
                        Start(entry, slots);
                    }

                    cursor = result.NextStartId;
                }
                while (cursor != "0-0");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                LogRedisError(logger, ex, "claiming idle jobs");
            }
        }
    }

    /// <summary>Resets the idle time of this worker's running jobs so no other worker claims them.</summary>
    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(250, workerOptions.Value.ClaimIdleSeconds * 1000 / 3));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                var ids = _inFlight.Keys.Select(id => (RedisValue)id).ToArray();
                foreach (var chunk in ids.Chunk(1000))
                {
                    await redis.GetDatabase().StreamClaimIdsOnlyAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, ConsumerName, 0, chunk);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                LogRedisError(logger, ex, "refreshing running jobs");
            }
        }
    }

    /// <summary>
    /// Samples the group's lag and pending count and the dead-letter length for the gauges, and trims acknowledged
    /// entries off the stream so it does not grow for ever.
    /// </summary>
    private async Task SampleLoopAsync(CancellationToken stoppingToken)
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

                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                await DelayQuietly(TimeSpan.FromSeconds(5), stoppingToken);
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

    private void Start(StreamEntry entry, SemaphoreSlim slots)
    {
        var id = entry.Id.ToString();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await started.Task;
            try
            {
                await processor.ProcessAsync(entry, _jobsCancellation.Token);
            }
            catch (OperationCanceledException) when (_jobsCancellation.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // The job stays pending and is claimed again after ClaimIdleSeconds.
                LogJobCrashed(logger, ex, id);
            }
            finally
            {
                _inFlight.TryRemove(id, out _);
                slots.Release(GrowLimit() ? 2 : 1);
            }
        });
        _inFlight[id] = task;
        started.SetResult();
    }

    /// <summary>
    /// Raises the concurrency limit by one if the last read found as many jobs waiting as slots free, i.e. the limit
    /// was holding work back; a limit that is not reached does not grow, so a quiet spell is not followed by an
    /// unbounded burst.
    /// </summary>
    private bool GrowLimit()
    {
        var max = workerOptions.Value.MaxConcurrency;
        while (_limited)
        {
            var limit = Volatile.Read(ref _limit);
            if (limit >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _limit, limit + 1, limit) == limit)
            {
                return true;
            }
        }

        return false;
    }

    private async Task DelayQuietly(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not consuming AI jobs: {Missing} not configured. Jobs stay queued until a worker with the settings runs")]
    private static partial void LogNotConsuming(ILogger logger, string missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming AI jobs as {Consumer} ({InitialConcurrency} at once at first, growing with completed jobs up to {MaxConcurrency})")]
    private static partial void LogConsuming(ILogger logger, string consumer, int initialConcurrency, int maxConcurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the WeChat access token at startup; jobs will try again")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over job {EntryId} from a silent worker")]
    private static partial void LogClaimed(ILogger logger, RedisValue entryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: letting {Count} running job(s) finish (up to {GraceSeconds} s)")]
    private static partial void LogDraining(ILogger logger, int count, int graceSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis error while {Operation}")]
    private static partial void LogRedisError(ILogger logger, Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {EntryId} stopped with an error; it stays pending and will be claimed again")]
    private static partial void LogJobCrashed(ILogger logger, Exception exception, string entryId);
}
