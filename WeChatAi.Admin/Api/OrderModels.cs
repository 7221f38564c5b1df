namespace WeChatAi.Admin.Api;

/// <summary>A row of <c>GET /api/admin/orders</c>; money in fen.</summary>
public sealed record OrderRow(
    string OutTradeNo,
    string OpenId,
    string? ProductId,
    string? ProductName,
    long AmountFen,
    long Credits,
    string State,
    string? Channel,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PaidAt,
    DateTimeOffset? RefundedAt,
    bool Mismatch,
    string? MismatchReason);

/// <summary>A day of <c>GET /api/admin/revenue?days=</c> (China's day).</summary>
public sealed record RevenueDay(DateOnly Day, long PaidOrders, long RevenueFen, long RefundedFen);

/// <summary>What <c>GET /api/admin/orders</c> filters on; null fields are not sent.</summary>
public sealed record OrderFilter(string? State, string? OpenId, DateTime? From, DateTime? To);

public sealed record RefundRequest(string? Reason);

public sealed record RefundOutcome(string OutRefundNo, string State, string? Outcome);
