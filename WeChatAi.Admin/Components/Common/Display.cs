using System.Globalization;
using System.Text.Json;

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

    /// <summary>An audit row's detail (a JSON object of strings) as "key: value" lines, its \u escapes read back into Chinese, a missing value as "—".</summary>
    public static string Detail(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return string.Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? string.Join("\n", document.RootElement.EnumerateObject().Select(p => $"{p.Name}: {p.Value.ValueKind switch { JsonValueKind.String => p.Value.GetString(), JsonValueKind.Null => "—", _ => p.Value.GetRawText() }}"))
                : json;
        }
        catch (JsonException)
        {
            return json;
        }
    }

    public static string Ms(double? ms) => ms is { } value ? value.ToString("N0", CultureInfo.InvariantCulture) + " ms" : "—";
}
