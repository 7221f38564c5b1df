using System.Globalization;

namespace WeChatAi.Core.Billing;

/// <summary>
/// The day quotas and statistics count in: China's calendar day. China has kept UTC+8 without daylight saving since
/// 1991, so a fixed offset does it without depending on the container's time-zone data.
/// </summary>
public static class BillingDay
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateOnly Of(DateTimeOffset time) => DateOnly.FromDateTime(time.ToOffset(Offset).DateTime);

    /// <summary>The day's first instant.</summary>
    public static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Offset);

    public static string Key(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static bool TryParse(string? key, out DateOnly day) =>
        DateOnly.TryParseExact(key, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
