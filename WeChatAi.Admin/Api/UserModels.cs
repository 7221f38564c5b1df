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

/// <summary>
/// A row of <c>GET /api/admin/users/{openId}/exchanges</c>; <see cref="Blocked"/> names what safety blocked (question or answer).
/// <see cref="Kind"/> is text, image, voice (the question is its transcription) or notice (the app's own message);
/// <see cref="Charge"/> free, credit or null.
/// </summary>
public sealed record Exchange(
    long Id,
    string? JobId,
    string? Kind,
    string? Charge,
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
    string? Blocked,
    IReadOnlyList<SafetyDecisionView>? Safety);

/// <param name="Span">Where in the text the rule matched, when it says.</param>
public sealed record SafetyDecisionView(string Direction, string Source, string? Rule, TextSpan? Span, DateTimeOffset? At);

public sealed record TextSpan(int Start, int Length);

public sealed record BlockRequest(string Reason);

public sealed record CreditGrant(int Credits, int ValidityDays, string? Note);

public sealed record CreditBalance(long Balance);

public sealed record NicknameRequest(string Nickname);
