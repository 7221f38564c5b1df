namespace WeChatAi.Admin.Api;

/// <summary>A row of <c>GET /api/admin/users?q=</c>.</summary>
public sealed record UserSummary(
    string OpenId,
    string? Nickname,
    bool Subscribed,
    bool Blocked,
    string? BlockedReason,
    DateTimeOffset? FirstSeenAt,
    DateTimeOffset? LastSeenAt,
    long Exchanges,
    long CreditBalance,
    string? LastQuestion);

/// <summary><c>GET /api/admin/users/{openId}</c> and the answer of block, unblock and nickname.</summary>
public sealed record UserDetail(
    string OpenId,
    string? Nickname,
    bool Subscribed,
    bool Blocked,
    string? BlockedReason,
    DateTimeOffset? BlockedAt,
    DateTimeOffset? FirstSeenAt,
    DateTimeOffset? LastSeenAt,
    long CreditBalance,
    long FreeUsedToday);

/// <summary>A row of <c>GET /api/admin/users/{openId}/exchanges</c>.</summary>
public sealed record Exchange(
    long Id,
    string? JobId,
    string? Question,
    string? Answer,
    DateTimeOffset? ReceivedAt,
    DateTimeOffset? AnsweredAt,
    long? LatencyMs,
    long? PromptTokens,
    long? CompletionTokens,
    int? Attempts,
    string? Outcome,
    string? Error,
    bool Blocked,
    IReadOnlyList<SafetyDecisionView>? Safety);

public sealed record SafetyDecisionView(string Direction, string Source, string? Rule, string? Span, DateTimeOffset? At);

public sealed record BlockRequest(string Reason);

public sealed record CreditGrant(int Credits, int ValidityDays, string? Note);

public sealed record CreditBalance(long Balance);

public sealed record NicknameRequest(string Nickname);
