using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Worker.Pipeline;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Ordering;

namespace WeChatAi.Worker.Consumer;

/// <summary>
/// Reads every shard's job stream as one consumer of the shared group and runs jobs through the <see cref="JobPipeline"/>,
/// as many at once as the <see cref="SlowStartLimiter"/> allows; it never reads more than it has free slots, so overload
/// waits in Redis. Shards are read in turn (round-robin), so a busy shard never starves another; a shard that filled
/// the read is read again at once, one that gave fewer entries than asked after 10 ms, one that came back empty after
/// a delay of its own that doubles from 10 ms up to 100 ms, and the loop sleeps only when no shard is due. Jobs of a
/// worker that went silent for <see cref="WorkerOptions.ClaimIdleSeconds"/> are taken over (XAUTOCLAIM) into free slots
/// and, on credit, into those of jobs waiting for their turn (they may be waiting for them); this worker's own jobs are
/// kept fresh (XCLAIM JUSTID) while they run, so slow LLM calls are not mistaken for a dead worker. On stop, running
/// jobs get <see cref="WorkerOptions.ShutdownGraceSeconds"/> to finish; the rest stays pending in the group for another
/// worker.
/// </summary>
internal sealed partial class JobStreamConsumer(
    IConnectionMultiplexer redis,
    JobPipeline pipeline,
    PipelineReadiness readiness,
    UserTurns turns,
    JobShards shards,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobStreamConsumer> logger) : BackgroundService
{
    private const int ReadBatch = 500;
    // Not at once after a read that drained its shard: at 50 messages a second per shard, reading again at once found it
    // empty, so each answer cost two reads; waiting 10 ms takes ~1.4, with the same latency (docs/benchmarks-pipeline.md).
    private static readonly TimeSpan FirstIdle = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LastIdle = TimeSpan.FromMilliseconds(100);

    // Keyed by shard and entry id: entry ids are unique only within one shard's stream.
    private readonly ConcurrentDictionary<(int Shard, string Id), Task> _running = new();

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
        foreach (var shard in shards.All)
        {
            await EnsureGroupAsync(shard, stoppingToken);
        }

        await WarnOfLegacyStreamAsync();
        LogConsuming(logger, ConsumerName, shards.Count, limiter.Limit, settings.MaxConcurrency);
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

    private async Task EnsureGroupAsync(JobShard shard, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await redis.GetDatabase().StreamCreateConsumerGroupAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, StreamPosition.Beginning, createStream: true);
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

    /// <summary>
    /// The releases before shards queued on one stream: jobs still there would never be read. Operators drain it before
    /// upgrading (docs/keyspace.md); this says so once if they did not.
    /// </summary>
    private async Task WarnOfLegacyStreamAsync()
    {
        try
        {
            var db = redis.GetDatabase();
            if (!await db.KeyExistsAsync(QueueKeys.LegacyJobStream))
            {
                return;
            }

            var groups = await db.StreamGroupInfoAsync(QueueKeys.LegacyJobStream);
            var length = await db.StreamLengthAsync(QueueKeys.LegacyJobStream);
            var unfinished = groups.Length == 0
                ? length
                : groups.Sum(g => g.PendingMessageCount + (g.Lag ?? length));
            if (unfinished > 0)
            {
                LogLegacyStream(logger, QueueKeys.LegacyJobStream, unfinished);
            }
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is RedisServerException)
        {
            LogRedisError(logger, ex, "checking the stream of the releases before shards");
        }
    }

    private async Task ReadLoopAsync(SlowStartLimiter limiter, CancellationToken stoppingToken)
    {
        var idle = new TimeSpan[shards.Count];
        var dueAt = new long[shards.Count];
        Array.Fill(idle, FirstIdle);
        var next = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            JobShard? shard = null;
            try
            {
                await limiter.WaitAsync(stoppingToken);
                shard = NextDue(dueAt, ref next);
                if (shard is null)
                {
                    // Every shard came back empty lately: sleep until the first is due again.
                    limiter.Return();
                    var wait = time.GetElapsedTime(time.GetTimestamp(), dueAt.Min());
                    await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), time, stoppingToken);
                    continue;
                }

                var free = limiter.Free + 1;
                var asked = Math.Min(free, ReadBatch);
                StreamEntry[] entries;
                try
                {
                    entries = await turns.ReadAsync(shard, ConsumerName, asked);
                }
                catch
                {
                    limiter.Return();
                    throw;
                }

                if (entries.Length == 0)
                {
                    limiter.Return();
                    dueAt[shard.Index] = DueAfter(idle[shard.Index]);
                    idle[shard.Index] = TimeSpan.FromMilliseconds(Math.Min(idle[shard.Index].TotalMilliseconds * 2, LastIdle.TotalMilliseconds));
                    continue;
                }

                limiter.NoteRead(entries.Length, free);
                idle[shard.Index] = FirstIdle;
                if (entries.Length < asked)
                {
                    dueAt[shard.Index] = DueAfter(FirstIdle);
                }

                Start(shard, entries[0], limiter);
                for (var i = 1; i < entries.Length; i++)
                {
                    // At most what was free was read; should the claim loop have taken some since, these start on credit
                    // rather than wait pending here, unrun and not kept fresh, where a claim would start them twice.
                    limiter.Take();
                    Start(shard, entries[i], limiter);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RedisServerException ex) when (shard is not null && ex.Message.Contains("NOGROUP", StringComparison.Ordinal))
            {
                // Redis lost the stream or the group (restarted without its data): create them again.
                LogRedisError(logger, ex, "reading a job stream (group missing: creating it again)");
                await EnsureGroupAsync(shard, stoppingToken);
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                LogRedisError(logger, ex, "reading the job stream");
                await DelayQuietly(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private long DueAfter(TimeSpan delay) => time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);

    /// <summary>The next shard in turn that is due to be read (an empty one waits for its delay), or null if none is.</summary>
    private JobShard? NextDue(long[] dueAt, ref int next)
    {
        var now = time.GetTimestamp();
        for (var i = 0; i < dueAt.Length; i++)
        {
            var index = (next + i) % dueAt.Length;
            if (dueAt[index] <= now)
            {
                next = (index + 1) % dueAt.Length;
                return shards[index];
            }
        }

        return null;
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
                foreach (var shard in shards.All)
                {
                    await ClaimIdleAsync(shard, minIdle, limiter);
                }
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

    /// <summary>
    /// Takes over the shard's entries left idle by a silent worker into free slots and, on credit
    /// (<see cref="SlowStartLimiter.Take"/>), into the slots of jobs waiting for their turn: every slot may be held by
    /// jobs waiting for their user's earlier message, which is one of these, so a claim that waited for a free slot
    /// would wait forever (the chaos run's stall). Lending only the waiters' slots keeps the jobs at work within the
    /// limit: a burst of every claimed job at once tripped the LLM's circuit breaker.
    /// </summary>
    private async Task ClaimIdleAsync(JobShard shard, long minIdle, SlowStartLimiter limiter)
    {
        var stream = QueueKeys.JobStream(shard);
        RedisValue cursor = "0-0";
        do
        {
            var room = limiter.Free + Math.Max(0, turns.Waiting - limiter.Credit);
            if (room == 0)
            {
                return; // every slot at work: those jobs end, and the next pass claims the rest
            }

            var db = redis.GetDatabase();
            var result = await db.StreamAutoClaimAsync(stream, QueueKeys.ConsumerGroup, ConsumerName, minIdle, cursor, Math.Min(room, ReadBatch));
            if (result.DeletedIds.Length > 0)
            {
                // Trimmed from the stream while pending: nothing left to process.
                await db.StreamAcknowledgeAsync(stream, QueueKeys.ConsumerGroup, result.DeletedIds);
            }

            foreach (var entry in result.ClaimedEntries)
            {
                if (entry.IsNull || _running.ContainsKey((shard.Index, entry.Id.ToString())))
                {
                    continue;
                }

                LogClaimed(logger, entry.Id);
                limiter.Take();
                Start(shard, entry, limiter);
            }

            cursor = result.NextStartId;
        }
        while (cursor != "0-0");
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
                foreach (var shard in _running.Keys.GroupBy(key => key.Shard, key => (RedisValue)key.Id))
                {
                    foreach (var chunk in shard.Chunk(1000))
                    {
                        await redis.GetDatabase().StreamClaimIdsOnlyAsync(QueueKeys.JobStream(shards[shard.Key]), QueueKeys.ConsumerGroup, ConsumerName, 0, chunk);
                    }
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

    private void Start(JobShard shard, StreamEntry entry, SlowStartLimiter limiter)
    {
        var id = entry.Id.ToString();
        var key = (shard.Index, id);
        var jobsToken = _jobsCancellation.Token;
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await registered.Task; // in _running before it can remove itself
            try
            {
                await pipeline.ProcessAsync(shard, entry, jobsToken);
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
                _running.TryRemove(key, out _);
                limiter.Complete();
            }
        });
        _running[key] = task;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming AI jobs of {Shards} shard(s) as {Consumer} ({InitialConcurrency} at once at first, growing with completed jobs up to {MaxConcurrency})")]
    private static partial void LogConsuming(ILogger logger, string consumer, int shards, int initialConcurrency, int maxConcurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stream {Stream} of the releases before shards still holds {Count} unfinished job(s) no worker reads now: drain it before upgrading (docs/keyspace.md, \"Upgrading to shards\")")]
    private static partial void LogLegacyStream(ILogger logger, string stream, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over job {EntryId} from a silent worker")]
    private static partial void LogClaimed(ILogger logger, RedisValue entryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: letting {Count} running job(s) finish (up to {GraceSeconds} s)")]
    private static partial void LogDraining(ILogger logger, int count, int graceSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis error while {Operation}")]
    private static partial void LogRedisError(ILogger logger, Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {EntryId} stopped with an error; it stays pending and will be claimed again")]
    private static partial void LogJobCrashed(ILogger logger, Exception exception, string entryId);
}
