using Npgsql;
using NpgsqlTypes;
using WeChatAi.Core.Data;

namespace WeChatAi.Worker.Recording;

/// <summary>
/// Inserts exchanges into <c>chat_exchanges</c>, idempotently on JobId: a row written twice (a job processed again,
/// a buffered batch drained by two workers) stays one row. The one update allowed: a dead-lettered job that an
/// operator retried and that was then answered or deferred replaces its dead-lettered row.
/// </summary>
internal sealed partial class ExchangeWriter(IConfiguration configuration, ILogger<ExchangeWriter> logger) : IAsyncDisposable
{
    private const string InsertSql = """
        INSERT INTO chat_exchanges ("JobId", "AppId", "OpenId", "Question", "Answer", "PromptTokens", "CompletionTokens",
                                    "ReceivedAt", "AnsweredAt", "LatencyMs", "Attempts", "Outcome", "Error")
        SELECT * FROM unnest(@job_id, @app_id, @open_id, @question, @answer, @prompt_tokens, @completion_tokens,
                             @received_at, @answered_at, @latency_ms, @attempts, @outcome, @error)
        ON CONFLICT ("JobId") DO UPDATE SET
            "Answer" = EXCLUDED."Answer", "PromptTokens" = EXCLUDED."PromptTokens",
            "CompletionTokens" = EXCLUDED."CompletionTokens", "AnsweredAt" = EXCLUDED."AnsweredAt",
            "LatencyMs" = EXCLUDED."LatencyMs", "Attempts" = EXCLUDED."Attempts", "Outcome" = EXCLUDED."Outcome",
            "Error" = EXCLUDED."Error"
        WHERE chat_exchanges."Outcome" = 'DeadLettered' AND EXCLUDED."Outcome" <> 'DeadLettered'
        """;

    /// <summary>
    /// Writes <paramref name="rows"/>; throws when PostgreSQL is unavailable (see <see cref="IsOutage"/>). Rows
    /// PostgreSQL refuses as bad data are logged and skipped, so one of them cannot hold back the others for ever.
    /// </summary>
    public async Task WriteAsync(IReadOnlyCollection<ChatExchange> rows, CancellationToken cancellationToken)
    {
        // One row per job: ON CONFLICT cannot touch a row twice in one statement. A retried job's later outcome wins.
        var unique = rows.GroupBy(r => r.JobId, StringComparer.Ordinal)
            .Select(g => g.LastOrDefault(r => r.Outcome != ExchangeOutcome.DeadLettered) ?? g.First())
            .ToList();
        try
        {
            await InsertAsync(unique, cancellationToken);
        }
        catch (PostgresException ex) when (IsBadData(ex))
        {
            foreach (var row in unique)
            {
                try
                {
                    await InsertAsync([row], cancellationToken);
                }
                catch (PostgresException rowError) when (IsBadData(rowError))
                {
                    LogRefused(logger, rowError, row.JobId);
                }
            }
        }
    }

    /// <summary>PostgreSQL away, restarting or too slow: worth keeping the rows and trying again.</summary>
    public static bool IsOutage(Exception ex) =>
        ex is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException;

    // Classes 22 (data exception) and 23 (integrity constraint): the row itself is wrong; retrying cannot help.
    private static bool IsBadData(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    // Npgsql directly, not EF's DbContext: its retrying execution strategy (and its error log per try) would hold a
    // batch for half a minute while PostgreSQL is down, instead of handing it to the Redis buffer at once.
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(configuration.GetConnectionString(DataExtensions.ConnectionName)!);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task InsertAsync(List<ChatExchange> rows, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(InsertSql);
        command.Parameters.AddRange(Parameters(rows));
        await command.ExecuteNonQueryAsync(cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "PostgreSQL refused the exchange of job {JobId} as bad data; it is not recorded")]
    private static partial void LogRefused(ILogger logger, Exception exception, string jobId);
}
