namespace WeChatAi.Admin.Api;

/// <summary><c>GET /api/admin/overview</c>; <see cref="Orders"/> is null while PostgreSQL does not answer.</summary>
public sealed record Overview(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<MinuteCount> Minutes,
    IReadOnlyList<DayCount> Days,
    LatencyFigures Latency,
    QueueFigures Queue,
    long ActiveUsersToday,
    TokenFigures Tokens,
    OrderFigures? Orders,
    IReadOnlyList<HealthFigure> Health);

public sealed record MinuteCount(DateTimeOffset At, long Received, long Answered);

/// <param name="Received">Null for a past day the API could not read (PostgreSQL away).</param>
public sealed record DayCount(DateOnly Day, long? Received, long? Answered);

public sealed record LatencyFigures(double? P50Ms, double? P95Ms, double? P99Ms, long Samples);

public sealed record QueueFigures(long? Waiting, long InFlight, long DeadLetters);

/// <param name="EstimatedCostToday">Yuan (<c>Llm:PricePer1kTokens</c> × tokens / 1000); null while no price is set.</param>
public sealed record TokenFigures(long PromptToday, long CompletionToday, decimal? PricePer1kTokens, decimal? EstimatedCostToday);

public sealed record OrderFigures(long PaidToday, long RevenueFenToday, long RefundedFenToday);

/// <param name="Status"><c>ok</c>, <c>degraded</c>, <c>down</c> or <c>idle</c>.</param>
public sealed record HealthFigure(string Name, string Status, long Calls, long Errors, double ErrorRate, string? Detail);
