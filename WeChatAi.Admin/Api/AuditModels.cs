namespace WeChatAi.Admin.Api;

/// <summary>A row of <c>GET /api/admin/audit</c>; <see cref="Detail"/> is JSON text (old → new values, never a secret).</summary>
public sealed record AuditRow(long Id, DateTimeOffset At, string Actor, string Action, string Target, string? Detail);
