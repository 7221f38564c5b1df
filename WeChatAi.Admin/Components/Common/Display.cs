using System.Globalization;

namespace WeChatAi.Admin.Components.Common;

/// <summary>How the console shows times (China's clock: the operator's, and the billing day's) and money (fen as yuan).</summary>
public static class Display
{
    // China keeps UTC+8 all year (no daylight saving), so a fixed offset needs no time-zone database in the container.
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.ToOffset(China).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "—";

    public static string Minute(DateTimeOffset at) => at.ToOffset(China).ToString("HH:mm", CultureInfo.InvariantCulture);

    public static string Yuan(long fen) => "¥" + (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Ms(double? ms) => ms is { } value ? value.ToString("N0", CultureInfo.InvariantCulture) + " ms" : "—";
}
