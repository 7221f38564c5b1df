using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Recording;

/// <summary>
/// Every exchange goes to PostgreSQL in batches: jobs hand rows to a channel, one writer inserts up to
/// <see cref="RecordingOptions.BatchSize"/> rows at a time at least every <see cref="RecordingOptions.FlushIntervalMs"/>,
/// idempotently on JobId (a job processed again after a crash does not add a second row).
/// </summary>
internal sealed partial class ExchangeRecorder(
    IServiceScopeFactory scopes,
    IOptions<RecordingOptions> options,
    ILogger<ExchangeRecorder> logger) : BackgroundService
{
    private const string InsertSql = """
        INSERT INTO chat_exchanges ("JobId", "AppId", "OpenId", "Question", "Answer", "PromptTokens", "CompletionTokens",
                                    "ReceivedAt", "AnsweredAt", "LatencyMs", "Attempts", "Outcome", "Error")
        SELECT * FROM unnest(@job_id, @app_id, @open_id, @question, @answer, @prompt_tokens, @completion_tokens,
                             @received_at, @answered_at, @latency_ms, @attempts, @outcome, @error)
        ON CONFLICT ("JobId") DO NOTHING
        """;

    private readonly Channel<ChatExchange> _channel = Channel.CreateUnbounded<ChatExchange>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Records how <paramref name="job"/> ended (<paramref name="answer"/>: what the LLM said, if it got that far).</summary>
    public void Record(AiJob job, StoredAnswer? answer, ExchangeOutcome outcome, int attempts, DateTimeOffset endedAt, string? error = null)
    {
        var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs);
        _channel.Writer.TryWrite(new ChatExchange
        {
            JobId = job.JobId,
            AppId = job.AppId,
            OpenId = job.OpenId,
            Question = job.Content,
            Answer = answer?.Text,
            PromptTokens = answer?.PromptTokens ?? 0,
            CompletionTokens = answer?.CompletionTokens ?? 0,
            ReceivedAt = receivedAt,
            AnsweredAt = outcome == ExchangeOutcome.Answered ? endedAt : null,
            LatencyMs = (int)Math.Min(int.MaxValue, (endedAt - receivedAt).TotalMilliseconds),
            Attempts = attempts,
            Outcome = outcome,
            Error = error,
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

            await WriteAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<ChatExchange> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
                await db.Database.ExecuteSqlRawAsync(InsertSql, Parameters(batch));
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    LogDropped(logger, ex, batch.Count);
                    return;
                }

                LogWriteFailed(logger, ex, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), CancellationToken.None);
            }
        }
    }

    private static NpgsqlParameter[] Parameters(List<ChatExchange> rows) =>
    [
        Array("job_id", NpgsqlDbType.Text, rows.Select(r => r.JobId)),
        Array("app_id", NpgsqlDbType.Text, rows.Select(r => r.AppId)),
        Array("open_id", NpgsqlDbType.Text, rows.Select(r => r.OpenId)),
        Array("question", NpgsqlDbType.Text, rows.Select(r => r.Question)),
        Array("answer", NpgsqlDbType.Text, rows.Select(r => r.Answer)),
        Array("prompt_tokens", NpgsqlDbType.Integer, rows.Select(r => r.PromptTokens)),
        Array("completion_tokens", NpgsqlDbType.Integer, rows.Select(r => r.CompletionTokens)),
        Array("received_at", NpgsqlDbType.TimestampTz, rows.Select(r => r.ReceivedAt.UtcDateTime)),
        Array("answered_at", NpgsqlDbType.TimestampTz, rows.Select(r => r.AnsweredAt?.UtcDateTime)),
        Array("latency_ms", NpgsqlDbType.Integer, rows.Select(r => r.LatencyMs)),
        Array("attempts", NpgsqlDbType.Integer, rows.Select(r => r.Attempts)),
        Array("outcome", NpgsqlDbType.Text, rows.Select(r => r.Outcome.ToString())),
        Array("error", NpgsqlDbType.Text, rows.Select(r => r.Error)),
    ];

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} exchange(s) to PostgreSQL failed (attempt {Attempt}); retrying")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shutting down: {Count} exchange(s) could not be written to PostgreSQL")]
    private static partial void LogDropped(ILogger logger, Exception exception, int count);
}
