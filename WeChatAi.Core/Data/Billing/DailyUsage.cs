namespace WeChatAi.Core.Data.Billing;

/// <summary>
/// What one user asked on one day (<c>daily_usage</c>; the day is China's, UTC+8): free questions and credits used,
/// written in batches from Redis, where the live counters are.
/// </summary>
public sealed class DailyUsage
{
    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public DateOnly Day { get; set; }

    public int FreeUsed { get; set; }

    public int CreditsUsed { get; set; }

    /// <summary>Questions whose charge came back (dead-lettered or blocked).</summary>
    public int GivenBack { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
