using System.Globalization;

namespace WeChatAi.Core.Handoff;

/// <summary>
/// <c>Handoff:OpeningHours</c>: rules separated by <c>;</c>, each days and a time range in <c>Handoff:TimeZone</c>,
/// e.g. <c>Mon-Fri 09:00-18:00; Sat 10:00-16:00</c> (days: <c>Mon</c>…<c>Sun</c>, ranges like <c>Mon-Fri</c>, lists
/// like <c>Sat,Sun</c>). An end before the start runs past midnight. Empty: always open.
/// </summary>
public sealed class OpeningHours
{
    private const string ChinaZone = "Asia/Shanghai";

    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    private readonly List<(bool[] Days, TimeSpan From, TimeSpan To)> _rules;
    private readonly TimeZoneInfo _zone;

    private OpeningHours(List<(bool[] Days, TimeSpan From, TimeSpan To)> rules, TimeZoneInfo zone)
    {
        _rules = rules;
        _zone = zone;
    }

    public bool IsAlwaysOpen => _rules.Count == 0;

    /// <exception cref="FormatException">Naming <c>Handoff:OpeningHours</c> or <c>Handoff:TimeZone</c> and what is wrong.</exception>
    public static OpeningHours Parse(string? text, string timeZone)
    {
        var zone = Zone(timeZone);

        var rules = new List<(bool[], TimeSpan, TimeSpan)>();
        foreach (var rule in (text ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var times = parts.Length == 2 ? parts[1].Split('-') : [];
            if (times.Length != 2 || Days(parts[0]) is not { } days || Time(times[0]) is not { } from || Time(times[1]) is not { } to || from == to)
            {
                throw new FormatException($"Handoff:OpeningHours rule '{rule}' must be days and a time range, e.g. 'Mon-Fri 09:00-18:00'.");
            }

            rules.Add((days, from, to));
        }

        return new OpeningHours(rules, zone);
    }

    public bool IsOpen(DateTimeOffset at)
    {
        if (IsAlwaysOpen)
        {
            return true;
        }

        var local = TimeZoneInfo.ConvertTime(at, _zone);
        var day = (int)local.DayOfWeek;
        var time = local.TimeOfDay;
        return _rules.Any(r => r.From < r.To
            ? r.Days[day] && time >= r.From && time < r.To
            : (r.Days[day] && time >= r.From) || (r.Days[(day + 6) % 7] && time < r.To));
    }

    // China has kept UTC+8 without daylight saving since 1991: a container without time-zone data still knows it.
    private static TimeZoneInfo Zone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException) when (id == ChinaZone)
        {
            return TimeZoneInfo.CreateCustomTimeZone(ChinaZone, TimeSpan.FromHours(8), ChinaZone, ChinaZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new FormatException($"Handoff:TimeZone '{id}' is not a known time zone (e.g. {ChinaZone}).", ex);
        }
    }

    private static bool[]? Days(string text)
    {
        var days = new bool[7];
        foreach (var item in text.Split(','))
        {
            var range = item.Split('-');
            if (range.Length is < 1 or > 2 || Day(range[0]) is not { } first || Day(range[^1]) is not { } last)
            {
                return null;
            }

            for (var d = first; ; d = (d + 1) % 7)
            {
                days[d] = true;
                if (d == last)
                {
                    break;
                }
            }
        }

        return days;
    }

    private static int? Day(string text)
    {
        var index = Array.FindIndex(DayNames, d => d.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        return index < 0 ? null : index;
    }

    private static TimeSpan? Time(string text) =>
        TimeSpan.TryParseExact(text.Trim(), @"hh\:mm", CultureInfo.InvariantCulture, out var time) ? time
            : text.Trim() == "24:00" ? TimeSpan.FromHours(24) : null;
}
