namespace WeChatAi.Core.Data.Billing;

/// <summary>One day's totals for the console's history (<c>daily_statistics</c>; China's day, UTC+8), rolled up from the records.</summary>
public sealed class DailyStatistics
{
    public DateOnly Day { get; set; }

    public int Messages { get; set; }

    public int ActiveUsers { get; set; }

    public int Orders { get; set; }

    public int PaidOrders { get; set; }

    public int PayingUsers { get; set; }

    public long RevenueFen { get; set; }

    public long RefundedFen { get; set; }

    public int CreditsUsed { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
