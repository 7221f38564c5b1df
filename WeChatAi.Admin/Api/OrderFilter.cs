namespace WeChatAi.Admin.Api;

/// <summary>What <c>GET /api/admin/orders</c> filters on; null fields are not sent.</summary>
public sealed record OrderFilter(string? State, string? OpenId, DateTime? From, DateTime? To);
