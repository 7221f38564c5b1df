using WeChatAi.Core.Handoff;

namespace WeChatAi.Api.Overview;

/// <summary>The body of <c>GET /api/admin/overview</c> (docs/console-overview.md).</summary>
/// <param name="Minutes">The last 60 minutes, oldest first, every minute present.</param>
/// <param name="Days">The last 30 China days, oldest first; today's from Redis, the others from <c>daily_statistics</c>.</param>
/// <param name="Orders">Null when PostgreSQL does not answer.</param>
/// <param name="Handoff">Handoff to a person (docs/handoff.md); null when PostgreSQL does not answer.</param>
internal sealed record OverviewSnapshot(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<MinuteFigures> Minutes,
    IReadOnlyList<DayFigures> Days,
    LatencyOverview Latency,
    QueueOverview Queue,
    long ActiveUsersToday,
    TokenFigures Tokens,
    OrderOverview? Orders,
    HandoffFigures? Handoff,
    IReadOnlyList<ServiceHealth> Health);

/// <param name="At">The minute's start (UTC).</param>
internal sealed record MinuteFigures(DateTimeOffset At, long Received, long Answered);

/// <param name="Day">China's day, <c>yyyy-MM-dd</c>.</param>
/// <param name="Received">Null for a past day when PostgreSQL does not answer.</param>
internal sealed record DayFigures(DateOnly Day, long? Received, long? Answered);

/// <summary>From received by the webhook to pushed, over today's answers (China's day, as <c>/api/stats</c>); nulls without samples.</summary>
internal sealed record LatencyOverview(long? P50Ms, long? P95Ms, long? P99Ms, int Samples);

/// <param name="Waiting">Null when Redis cannot tell.</param>
internal sealed record QueueOverview(long? Waiting, long InFlight, long DeadLetters);

/// <param name="PricePer1kTokens"><c>Llm:PricePer1kTokens</c> in yuan; null when not set (0).</param>
/// <param name="EstimatedCostToday">Yuan: (prompt + completion) / 1000 × price; null without a price.</param>
internal sealed record TokenFigures(long PromptToday, long CompletionToday, decimal? PricePer1kTokens, decimal? EstimatedCostToday);

internal sealed record OrderOverview(int PaidToday, long RevenueFenToday, long RefundedFenToday);

/// <param name="Name"><c>redis</c>, <c>postgresql</c>, <c>llm</c>, <c>wechat-api</c>.</param>
/// <param name="Status">See <see cref="HealthStatus"/>.</param>
/// <param name="Calls">The stores: 1 (the ping); the services: calls in the last 15 minutes.</param>
internal sealed record ServiceHealth(string Name, string Status, long Calls, long Errors, double ErrorRate, string Detail);
