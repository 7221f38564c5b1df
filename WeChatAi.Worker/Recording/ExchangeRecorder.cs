using System.Threading.Channels;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Recording;

/// <summary>
/// Every exchange goes to PostgreSQL in batches: jobs hand rows to a channel, one writer inserts up to
/// <see cref="RecordingOptions.BatchSize"/> rows at a time at least every <see cref="RecordingOptions.FlushIntervalMs"/>.
/// While PostgreSQL is down, batches wait in Redis (<see cref="ExchangeBuffer"/>, at most
/// <see cref="RecordingOptions.MaxBufferedExchanges"/>) and a drain loop writes them once it answers again; any
/// worker drains what any worker buffered, also after a restart. Writes are idempotent on JobId: exactly one row each.
/// </summary>
internal sealed partial class ExchangeRecorder(
    ExchangeWriter postgres,
    ExchangeBuffer buffer,
    WorkerMetrics metrics,
    IOptions<RecordingOptions> options,
    ILogger<ExchangeRecorder> logger) : BackgroundService
{
    /// <summary>How often the buffer is looked at while PostgreSQL works (records another worker may have left).</summary>
    private static readonly TimeSpan DrainInterval = TimeSpan.FromSeconds(5);

    private readonly Channel<ChatExchange> _channel = Channel.CreateUnbounded<ChatExchange>(new UnboundedChannelOptions { SingleReader = true });

    // Set when a write failed: batches then go straight to Redis until the drain loop has written to PostgreSQL again.
    private volatile bool _postgresDown;

    /// <summary>
    /// Records how <paramref name="job"/> ended (<paramref name="answer"/>: what the user got, if it got that far, with
    /// its content-safety decisions).
    /// </summary>
    public void Record(AiJob job, StoredAnswer? answer, ExchangeOutcome outcome, int attempts, DateTimeOffset endedAt, string? error = null)
    {
        var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs);
        _channel.Writer.TryWrite(new ChatExchange
        {
            JobId = job.JobId,
            AppId = job.AppId,
            OpenId = job.OpenId,
            Question = job.Content,
            Media = job.Media?.Kind,
            Charge = job.Charge,
            Answer = answer?.Text,
            PromptTokens = answer?.PromptTokens ?? 0,
            CompletionTokens = answer?.CompletionTokens ?? 0,
            ReceivedAt = receivedAt,
            AnsweredAt = outcome == ExchangeOutcome.Answered ? endedAt : null,
            LatencyMs = (int)Math.Min(int.MaxValue, (endedAt - receivedAt).TotalMilliseconds),
            Attempts = attempts,
            Outcome = outcome,
            Error = error,
            Blocked = answer?.Blocked,
            SafetyDecisions = [.. answer?.SafetyDecisions ?? []],
            Knowledge = answer?.Knowledge,
        });
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Jobs are stopped first (registered later, stopped earlier): then the rest is flushed.
        _channel.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var drain = DrainLoopAsync(stoppingToken);
        var batch = new List<ChatExchange>(options.Value.BatchSize);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            using (var window = new CancellationTokenSource(options.Value.FlushIntervalMs))
            {
                try
                {
                    while (batch.Count < options.Value.BatchSize)
                    {
                        if (reader.TryRead(out var exchange))
                        {
                            batch.Add(exchange);
                        }
                        else if (!await reader.WaitToReadAsync(window.Token))
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }

            await StoreAsync(batch, stoppingToken);
            batch.Clear();
        }

        await drain;
    }

    /// <summary>PostgreSQL if it works, else the Redis buffer; only with both away at shutdown are rows lost (logged).</summary>
    private async Task StoreAsync(List<ChatExchange> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!_postgresDown)
            {
                try
                {
                    await postgres.WriteAsync(batch, CancellationToken.None);
                    return;
                }
                catch (Exception ex) when (ExchangeWriter.IsOutage(ex))
                {
                    _postgresDown = true;
                    LogPostgresDown(logger, ex, batch.Count);
                }
            }

            try
            {
                var capacity = options.Value.MaxBufferedExchanges;
                var added = await buffer.AddAsync(batch, capacity);
                if (added < batch.Count)
                {
                    metrics.RecordsDropped(batch.Count - added);
                    LogBufferFull(logger, batch.Count - added, capacity);
                }

                return;
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    metrics.RecordsDropped(batch.Count);
                    LogDropped(logger, ex, batch.Count);
                    return;
                }

                LogBufferFailed(logger, ex, batch.Count, attempt);
                _postgresDown = false; // Redis is away too: PostgreSQL may be back by the next round
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), CancellationToken.None);
            }
        }
    }

    private async Task DrainLoopAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (true)
        {
            var delay = failures > 0 ? TimeSpan.FromSeconds(Math.Min(30, failures * 2))
                : _postgresDown ? TimeSpan.FromSeconds(1)
                : DrainInterval;
            try
            {
                await Task.Delay(delay, stoppingToken);
                await DrainAsync(stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Outages above all, but whatever it was, the loop must live on: it is the only way out of the buffer.
                failures++;
                if (failures == 1)
                {
                    LogDrainFailed(logger, ex);
                }
            }
        }
    }

    /// <summary>Writes the buffer to PostgreSQL, oldest first, deleting each entry only once its row is written.</summary>
    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        var written = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var entries = await buffer.ReadAsync(options.Value.BatchSize);
            if (entries.Count == 0)
            {
                break;
            }

            var rows = entries.Where(e => e.Row is not null).Select(e => e.Row!).ToList();
            if (rows.Count < entries.Count)
            {
                LogMalformed(logger, entries.Count - rows.Count);
            }

            await postgres.WriteAsync(rows, CancellationToken.None);
            await buffer.DeleteAsync([.. entries.Select(e => e.Id)]);
            written += rows.Count;
            if (entries.Count < options.Value.BatchSize)
            {
                break;
            }
        }

        if (written > 0)
        {
            LogDrained(logger, written);
        }

        // PostgreSQL took the buffer (or there was none to try it with): new batches go to it directly again.
        _postgresDown = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} exchange(s) to PostgreSQL failed: they and the next ones wait in Redis until PostgreSQL answers")]
    private static partial void LogPostgresDown(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The exchange buffer in Redis is full (Recording:MaxBufferedExchanges = {Capacity}): {Count} exchange(s) dropped, not recorded")]
    private static partial void LogBufferFull(ILogger logger, int count, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Neither PostgreSQL nor Redis took {Count} exchange(s) (attempt {Attempt}); retrying")]
    private static partial void LogBufferFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shutting down with PostgreSQL and Redis unavailable: {Count} exchange(s) could not be recorded")]
    private static partial void LogDropped(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} buffered exchange(s) written to PostgreSQL")]
    private static partial void LogDrained(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Buffered exchanges cannot be written yet (PostgreSQL or Redis unavailable); trying again")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} entry(ies) of the exchange buffer are not exchanges; deleted")]
    private static partial void LogMalformed(ILogger logger, int count);
}
