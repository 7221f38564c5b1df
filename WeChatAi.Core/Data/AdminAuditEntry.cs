namespace WeChatAi.Core.Data;

/// <summary>One change an operator made (through the console or the admin API): who, when, what.</summary>
public sealed class AdminAuditEntry
{
    public const int MaxActor = 64;

    public const int MaxAction = 64;

    public const int MaxTarget = 200;

    /// <summary>Detail longer than this is cut: the row says what changed, it is not a backup.</summary>
    public const int MaxDetail = 4_000;

    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The signed-in operator's name (<c>X-Admin-Operator</c>), or <c>api-key</c> for a script using the key alone.</summary>
    public required string Actor { get; set; }

    /// <summary>What was done, <c>area.verb</c>: <c>keyword.update</c>, <c>user.block</c>, <c>signin.failed</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What it was done to: an OpenID, <c>keyword:12</c>, <c>order:{outTradeNo}</c>, a setting's name.</summary>
    public required string Target { get; set; }

    /// <summary>JSON: the values before and after, the reason given; never a secret or a password.</summary>
    public string? Detail { get; set; }
}
