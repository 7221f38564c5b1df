using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Pipeline;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Ordering;

namespace WeChatAi.Worker.Consumer;

/// <summary>
/// Reads the job stream as one consumer of the shared group and runs jobs through the <see cref="JobPipeline"/>, as
/// many at once as the <see cref="SlowStartLimiter"/> allows; it never reads more than it has free slots, so overload
/// waits in Redis. Jobs of a worker that went silent for <see cref="WorkerOptions.ClaimIdleSeconds"/> are taken over
/// (XAUTOCLAIM); this worker's own jobs are kept fresh (XCLAIM JUSTID) while they run, so slow LLM calls are not
/// mistaken for a dead worker. On stop, running jobs get <see cref="WorkerOptions.ShutdownGraceSeconds"/> to finish;
/// the rest stays pending in the group for another worker.
/// </summary>
internal sealed partial class JobStreamConsumer(
    IConnectionMultiplexer redis,
    JobPipeline pipeline,
    PipelineReadiness readiness,
    UserTurns turns,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobStreamConsumer> logger) : BackgroundService
{
    private const int ReadBatch = 500;
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    // Not disposed: cancelled jobs observe it until they end, which may be after the host disposed this service.
    private readonly CancellationTokenSource _jobsCancellation = new();

    private string ConsumerName { get; } = string.IsNullOrWhiteSpace(options.Value.ConsumerName)
        ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}"
        : options.Value.ConsumerName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var missing = readiness.MissingSettings();
        if (missing.Count > 0)
        {
            LogNotConsuming(logger, string.Join(", ", missing));
            return;
        }

        var settings = options.Value;
        var limiter = new SlowStartLimiter(settings.InitialConcurrency, settings.MaxConcurrency);
        await EnsureGroupAsync(stoppingToken);
        LogConsuming(logger, ConsumerName, limiter.Limit, settings.MaxConcurrency);
        _ = readiness.WarmUpAsync(stoppingToken);

        await Task.WhenAll(
            ReadLoopAsync(limiter, stoppingToken),
            ClaimLoopAsync(limiter, stoppingToken),
            HeartbeatLoopAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken); // stops reading, claiming and the heartbeat
        var running = _running.Values.ToArray();
        if (running.Length > 0)
        {
            LogDraining(logger, running.Length, options.Value.ShutdownGraceSeconds);
            var grace = Task.Delay(TimeSpan.FromSeconds(options.Value.ShutdownGraceSeconds), time, cancellationToken);
            await Task.WhenAny(Task.WhenAll(running), grace);
        }

        // What is still running stays pending in the group: cancelled, it ends at its next await, before the host goes on.
        await _jobsCancellation.CancelAsync();
        await Task.WhenAny(Task.WhenAll(_running.Values), Task.Delay(Timeout.Infinite, cancellationToken));
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

    private async Task ReadLoopAsync(SlowStartLimiter limiter, CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromMilliseconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await limiter.WaitAsync(stoppingToken);
                var free = limiter.Free + 1;
                StreamEntry[] entries;
                try
                {
                    entries = await turns.ReadAsync(ConsumerName, Math.Min(free, ReadBatch));
                }
                catch
                {
                    limiter.Return();
                    throw;
                }

                limiter.NoteRead(entries.Length, free);
                if (entries.Length == 0)
                {
                    limiter.Return();
                    await Task.Delay(idle, time, stoppingToken);
                    idle = TimeSpan.FromMilliseconds(Math.Min(idle.TotalMilliseconds * 2, 100));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(5);
                Start(entries[0], limiter);
                for (var i = 1; i < entries.Length; i++)
                {
                    // Only this loop and the claim loop take slots; the count read above is at most what is free. On stop,
                    // entries read but not started stay pending for another worker.
                    await limiter.WaitAsync(stoppingToken);
                    Start(entries[i], limiter);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RedisServerException ex) when (ex.Message.Contains("NOGROUP", StringComparison.Ordinal))
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

    private async Task ClaimLoopAsync(SlowStartLimiter limiter, CancellationToken stoppingToken)
    {
        var minIdle = options.Value.ClaimIdleSeconds * 1000L;
        var interval = TimeSpan.FromMilliseconds(Math.Max(500, minIdle / 2));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                RedisValue cursor = "0-0";
                do
                {
                    var free = limiter.Free;
                    if (free == 0)
                    {
                        break;
                    }

                    var db = redis.GetDatabase();
                    var result = await db.StreamAutoClaimAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, ConsumerName, minIdle, cursor, Math.Min(free, ReadBatch));
                    if (result.DeletedIds.Length > 0)
                    {
                        // Trimmed from the stream while pending: nothing left to process.
                        await db.StreamAcknowledgeAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, result.DeletedIds);
                    }

                    foreach (var entry in result.ClaimedEntries)
                    {
                        if (entry.IsNull || _running.ContainsKey(entry.Id.ToString()))
                        {
                            continue;
                        }

                        LogClaimed(logger, entry.Id);
                        await limiter.WaitAsync(stoppingToken);
                        Start(entry, limiter);
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
        var interval = TimeSpan.FromMilliseconds(Math.Max(250, options.Value.ClaimIdleSeconds * 1000 / 3));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                var ids = _running.Keys.Select(id => (RedisValue)id).ToArray();
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

    private void Start(StreamEntry entry, SlowStartLimiter limiter)
    {
        var id = entry.Id.ToString();
        var jobsToken = _jobsCancellation.Token;
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await registered.Task; // in _running before it can remove itself
            try
            {
                await pipeline.ProcessAsync(entry, jobsToken);
            }
            catch (OperationCanceledException) when (jobsToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // The job stays pending and is claimed again after ClaimIdleSeconds.
                LogJobCrashed(logger, ex, id);
            }
            finally
            {
                _running.TryRemove(id, out _);
                limiter.Complete();
            }
        });
        _running[id] = task;
        registered.SetResult();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over job {EntryId} from a silent worker")]
    private static partial void LogClaimed(ILogger logger, RedisValue entryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: letting {Count} running job(s) finish (up to {GraceSeconds} s)")]
    private static partial void LogDraining(ILogger logger, int count, int graceSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis error while {Operation}")]
    private static partial void LogRedisError(ILogger logger, Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {EntryId} stopped with an error; it stays pending and will be claimed again")]
    private static partial void LogJobCrashed(ILogger logger, Exception exception, string entryId);
}
