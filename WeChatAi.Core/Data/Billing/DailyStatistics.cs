namespace WeChatAi.Core.Data.Billing;

/// <summary>One day's totals for the console's history (<c>daily_statistics</c>; China's day, UTC+8), rolled up from the records.</summary>
public sealed class DailyStatistics
{
    public DateOnly Day { get; set; }

    /// <summary>Messages received that day (one exchange each).</summary>
    public int Messages { get; set; }

    /// <summary>Answers pushed that day (exchanges answered, by the time of their answer).</summary>
    public int Answered { get; set; }

    public int ActiveUsers { get; set; }

    public int Orders { get; set; }

    public int PaidOrders { get; set; }

    public int PayingUsers { get; set; }

    public long RevenueFen { get; set; }

    public long RefundedFen { get; set; }

    public int CreditsUsed { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
