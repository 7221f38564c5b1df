using System.Collections.Concurrent;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;

namespace WeChatAi.Worker.Common;

/// <summary>
/// Counts the worker's calls of the LLM and of WeChat's API, and their failures, per minute (<see cref="StatsKeys.Calls"/>),
/// and the LLM's tokens per China day (<see cref="StatsKeys.Minutes"/>), for the console's overview. The counts gather
/// in memory and go to Redis once a second in one transaction, one <c>HINCRBY</c> per counter that moved: a handful of
/// commands a second however many jobs run, and no job waits for them. A crash loses at most the last second's counts.
/// Each flush goes to the next shard in turn (one slot per transaction, and no master a hot spot); readers sum the shards.
/// </summary>
internal sealed partial class ServiceCallStats(IConnectionMultiplexer redis, JobShards shards, TimeProvider time, ILogger<ServiceCallStats> logger) : BackgroundService
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(bool Tokens, DateTimeOffset Minute, string Field), Counter> _counters = new();
    private int _nextShard;

    /// <summary>One answer of the chat or vision model (after the HTTP retries), with the tokens it took.</summary>
    public void LlmCall(bool failed, int promptTokens = 0, int completionTokens = 0)
    {
        var now = time.GetUtcNow();
        CountCall(now, StatsKeys.LlmService, failed);
        if (promptTokens + completionTokens > 0)
        {
            Add(tokens: true, now, StatsKeys.PromptTokensField, promptTokens, StatsKeys.MinutesRetention);
            Add(tokens: true, now, StatsKeys.CompletionTokensField, completionTokens, StatsKeys.MinutesRetention);
        }
    }

    /// <summary>One customer-service message sent to WeChat's API.</summary>
    public void WeChatApiCall(bool failed) => CountCall(time.GetUtcNow(), StatsKeys.WeChatApiService, failed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last counts go out in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
    }

    private void CountCall(DateTimeOffset now, string service, bool failed)
    {
        Add(tokens: false, now, StatsKeys.CallsField(service), 1, StatsKeys.CallsRetention);
        if (failed)
        {
            Add(tokens: false, now, StatsKeys.ErrorsField(service), 1, StatsKeys.CallsRetention);
        }
    }

    /// <param name="tokens">A field of the day's <see cref="StatsKeys.Minutes"/> (counted per hour: China's days start on
    /// one), else of the minute's <see cref="StatsKeys.Calls"/>.</param>
    private void Add(bool tokens, DateTimeOffset now, string field, long by, TimeSpan retention)
    {
        var unit = tokens ? TimeSpan.TicksPerHour : TimeSpan.TicksPerMinute;
        var minute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % unit), TimeSpan.Zero);
        Interlocked.Add(ref _counters.GetOrAdd((tokens, minute, field), static (_, state) => new Counter(state.retention, state.now), (retention, now: time.GetUtcNow())).Value, by);
    }

    private async Task FlushAsync()
    {
        // Nothing counted yet, e.g. stopped before Redis was ready, when the shard count is not resolved either.
        if (_counters.IsEmpty)
        {
            return;
        }

        var shard = shards[(int)((uint)Interlocked.Increment(ref _nextShard) % (uint)shards.Count)];
        var taken = new List<(string Key, string Field, Counter Counter, long Value)>();
        foreach (var (id, counter) in _counters)
        {
            var value = Interlocked.Exchange(ref counter.Value, 0);
            if (value != 0)
            {
                taken.Add((id.Tokens ? StatsKeys.Minutes(shard, id.Minute) : StatsKeys.Calls(shard, id.Minute), id.Field, counter, value));
            }
            else if (time.GetUtcNow() - counter.Created > counter.Retention)
            {
                // Its minute (or day) is over, so nobody adds to it any more: its key's retention is longer than that.
                _counters.TryRemove(id, out _);
            }
        }

        if (taken.Count == 0)
        {
            return;
        }

        try
        {
            // MULTI/EXEC on one shard: a flush lands whole or not at all. In a plain batch, one increment could fail on the dying
            // connection while another waited for the reconnect and landed: errors counted without their calls.
            var transaction = redis.GetDatabase().CreateTransaction();
            var writes = taken.Select(t => (Task)transaction.HashIncrementAsync(t.Key, t.Field, t.Value))
                .Concat(taken.DistinctBy(t => t.Key).Select(t => (Task)transaction.KeyExpireAsync(t.Key, t.Counter.Retention)))
                .ToArray();
            await transaction.ExecuteAsync();
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Kept for the next flush. An increment that did reach Redis is then counted twice: rare, and only watched.
            foreach (var t in taken)
            {
                Interlocked.Add(ref t.Counter.Value, t.Value);
            }

            LogFlushFailed(logger, ex);
        }
    }

    private sealed class Counter(TimeSpan retention, DateTimeOffset created)
    {
        public long Value;

        /// <summary>Of the counter's key in Redis.</summary>
        public TimeSpan Retention { get; } = retention;

        public DateTimeOffset Created { get; } = created;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The overview's call counts could not be written to Redis; they are sent with the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
