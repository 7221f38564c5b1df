using Npgsql;
using NpgsqlTypes;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;

namespace WeChatAi.Worker.Recording;

/// <summary>
/// Inserts exchanges into <c>chat_exchanges</c>, idempotently on JobId: a row written twice (a job processed again,
/// a buffered batch drained by two workers) stays one row. The one update allowed: a dead-lettered job that an
/// operator retried and that was then answered or deferred replaces its dead-lettered row. Each exchange's
/// content-safety decisions go to <c>safety_decisions</c> in the same transaction, a question the knowledge base
/// missed to <c>knowledge_missed_questions</c>, and its user's <c>LastSeenAt</c> to <c>wechat_users</c> (the console
/// lists users by it).
/// </summary>
internal sealed partial class ExchangeWriter(IConfiguration configuration, ILogger<ExchangeWriter> logger) : IAsyncDisposable
{
    private const string InsertSql = """
        INSERT INTO chat_exchanges ("JobId", "AppId", "OpenId", "Question", "Answer", "PromptTokens", "CompletionTokens",
                                    "ReceivedAt", "AnsweredAt", "LatencyMs", "Attempts", "Outcome", "Error", "Blocked", "Media", "Charge", "Knowledge")
        SELECT * FROM unnest(@job_id, @app_id, @open_id, @question, @answer, @prompt_tokens, @completion_tokens,
                             @received_at, @answered_at, @latency_ms, @attempts, @outcome, @error, @blocked, @media, @charge, @knowledge)
        ON CONFLICT ("JobId") DO UPDATE SET
            "Answer" = EXCLUDED."Answer", "PromptTokens" = EXCLUDED."PromptTokens",
            "CompletionTokens" = EXCLUDED."CompletionTokens", "AnsweredAt" = EXCLUDED."AnsweredAt",
            "LatencyMs" = EXCLUDED."LatencyMs", "Attempts" = EXCLUDED."Attempts", "Outcome" = EXCLUDED."Outcome",
            "Error" = EXCLUDED."Error", "Blocked" = EXCLUDED."Blocked", "Knowledge" = EXCLUDED."Knowledge"
        WHERE chat_exchanges."Outcome" = 'DeadLettered' AND EXCLUDED."Outcome" <> 'DeadLettered'
        """;

    // Each decision joins its exchange by JobId (the exchange's id is PostgreSQL's); one per exchange and direction,
    // so a job recorded twice keeps its first decisions.
    private const string InsertDecisionsSql = """
        INSERT INTO safety_decisions ("ExchangeId", "AppId", "OpenId", "Direction", "Source", "Blocked", "Rule", "Score",
                                      "SpanStart", "SpanLength", "Excerpt", "DecidedAt")
        SELECT e."Id", d.app_id, d.open_id, d.direction, d.source, d.blocked, d.rule, d.score, d.span_start, d.span_length,
               d.excerpt, d.decided_at
        FROM unnest(@d_job_id, @d_app_id, @d_open_id, @d_direction, @d_source, @d_blocked, @d_rule, @d_score,
                    @d_span_start, @d_span_length, @d_excerpt, @d_decided_at)
             AS d(job_id, app_id, open_id, direction, source, blocked, rule, score, span_start, span_length, excerpt, decided_at)
        JOIN chat_exchanges e ON e."JobId" = d.job_id
        ON CONFLICT ("ExchangeId", "Direction") DO NOTHING
        """;

    // A question the knowledge base missed joins its exchange by JobId too, once; it goes with the exchange's retention.
    private const string InsertMissedSql = """
        INSERT INTO knowledge_missed_questions ("ExchangeId", "AppId", "Question", "AskedAt")
        SELECT e."Id", e."AppId", e."Question", e."ReceivedAt"
        FROM chat_exchanges e
        WHERE e."JobId" = ANY(@m_job_id)
        ON CONFLICT ("ExchangeId") DO NOTHING
        """;

    // Users are known from their first follow or message: a message's sender follows the account (WeChat lets only
    // followers write). Sorted, so two workers upserting the same users lock them in one order.
    private const string UpsertUsersSql = """
        INSERT INTO wechat_users ("AppId", "OpenId", "Subscribed", "FirstSeenAt", "LastSeenAt")
        SELECT app_id, open_id, true, min(received_at), max(received_at)
        FROM unnest(@u_app_id, @u_open_id, @u_received_at) AS u(app_id, open_id, received_at)
        GROUP BY app_id, open_id
        ORDER BY app_id, open_id
        ON CONFLICT ("AppId", "OpenId") DO UPDATE SET "LastSeenAt" = GREATEST(wechat_users."LastSeenAt", EXCLUDED."LastSeenAt")
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
                    LogRefused(logger, rowError, JobRef.Of(row.JobId));
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

    // One batch, one implicit transaction: an exchange and its decisions are written together or not at all.
    private async Task InsertAsync(List<ChatExchange> rows, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        var exchanges = new NpgsqlBatchCommand(InsertSql);
        exchanges.Parameters.AddRange(Parameters(rows));
        batch.BatchCommands.Add(exchanges);
        var users = new NpgsqlBatchCommand(UpsertUsersSql);
        users.Parameters.AddRange(UserParameters(rows));
        batch.BatchCommands.Add(users);
        var decisions = rows.SelectMany(r => r.SafetyDecisions.Select(d => (r.JobId, Decision: d))).ToList();
        if (decisions.Count > 0)
        {
            var insertDecisions = new NpgsqlBatchCommand(InsertDecisionsSql);
            insertDecisions.Parameters.AddRange(DecisionParameters(decisions));
            batch.BatchCommands.Add(insertDecisions);
        }

        var missed = rows.Where(r => r.Knowledge is { Missed: true }).Select(r => r.JobId).ToArray();
        if (missed.Length > 0)
        {
            var insertMissed = new NpgsqlBatchCommand(InsertMissedSql);
            insertMissed.Parameters.Add(Array("m_job_id", NpgsqlDbType.Text, missed));
            batch.BatchCommands.Add(insertMissed);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
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
        Array("blocked", NpgsqlDbType.Text, rows.Select(r => r.Blocked?.ToString())),
        Array("media", NpgsqlDbType.Text, rows.Select(r => r.Media)),
        Array("charge", NpgsqlDbType.Text, rows.Select(r => r.Charge)),
        Array("knowledge", NpgsqlDbType.Jsonb, rows.Select(r => r.Knowledge?.ToJson())),
    ];

    private static NpgsqlParameter[] UserParameters(List<ChatExchange> rows) =>
    [
        Array("u_app_id", NpgsqlDbType.Text, rows.Select(r => r.AppId)),
        Array("u_open_id", NpgsqlDbType.Text, rows.Select(r => r.OpenId)),
        Array("u_received_at", NpgsqlDbType.TimestampTz, rows.Select(r => r.ReceivedAt.UtcDateTime)),
    ];

    private static NpgsqlParameter[] DecisionParameters(List<(string JobId, SafetyDecision Decision)> rows) =>
    [
        Array("d_job_id", NpgsqlDbType.Text, rows.Select(r => r.JobId)),
        Array("d_app_id", NpgsqlDbType.Text, rows.Select(r => r.Decision.AppId)),
        Array("d_open_id", NpgsqlDbType.Text, rows.Select(r => r.Decision.OpenId)),
        Array("d_direction", NpgsqlDbType.Text, rows.Select(r => r.Decision.Direction.ToString())),
        Array("d_source", NpgsqlDbType.Text, rows.Select(r => r.Decision.Source.ToString())),
        Array("d_blocked", NpgsqlDbType.Boolean, rows.Select(r => r.Decision.Blocked)),
        Array("d_rule", NpgsqlDbType.Text, rows.Select(r => r.Decision.Rule)),
        Array("d_score", NpgsqlDbType.Double, rows.Select(r => r.Decision.Score)),
        Array("d_span_start", NpgsqlDbType.Integer, rows.Select(r => r.Decision.SpanStart)),
        Array("d_span_length", NpgsqlDbType.Integer, rows.Select(r => r.Decision.SpanLength)),
        Array("d_excerpt", NpgsqlDbType.Text, rows.Select(r => r.Decision.Excerpt)),
        Array("d_decided_at", NpgsqlDbType.TimestampTz, rows.Select(r => r.Decision.DecidedAt.UtcDateTime)),
    ];

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };

    [LoggerMessage(Level = LogLevel.Error, Message = "PostgreSQL refused the exchange of job {Job} as bad data; it is not recorded")]
    private static partial void LogRefused(ILogger logger, Exception exception, string job);
}
