using WeChatAi.Core.Handoff;

namespace WeChatAi.UnitTests.Handoff;

public sealed class OpeningHoursTests
{
    // 2026-12-07 is a Monday; 01:30 UTC is 09:30 in Shanghai.
    private static readonly DateTimeOffset MondayMorning = new(2026, 12, 7, 1, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Weekdays_office_hours_are_open_on_a_monday_morning_in_Shanghai_and_closed_at_night_and_on_sunday()
    {
        var hours = OpeningHours.Parse("Mon-Fri 09:00-18:00", "Asia/Shanghai");
        Assert.True(hours.IsOpen(MondayMorning));
        Assert.False(hours.IsOpen(MondayMorning.AddHours(-1))); // 08:30 there
        Assert.False(hours.IsOpen(MondayMorning.AddHours(9))); // 18:30
        Assert.False(hours.IsOpen(MondayMorning.AddDays(-1))); // Sunday
        Assert.True(hours.IsOpen(MondayMorning.AddDays(4))); // Friday
    }

    [Fact]
    public void Several_rules_lists_of_days_and_a_range_past_midnight()
    {
        var hours = OpeningHours.Parse("Mon-Fri 09:00-18:00; Sat,Sun 22:00-02:00", "Asia/Shanghai");
        var saturdayNight = new DateTimeOffset(2026, 12, 12, 23, 0, 0, TimeSpan.FromHours(8));
        Assert.True(hours.IsOpen(saturdayNight));
        Assert.True(hours.IsOpen(saturdayNight.AddHours(2))); // Sunday 01:00: Saturday's range runs on
        Assert.False(hours.IsOpen(saturdayNight.AddHours(4)));
        Assert.True(hours.IsOpen(saturdayNight.AddDays(1).AddHours(2))); // Monday 01:00: Sunday's range
        Assert.False(hours.IsOpen(saturdayNight.AddDays(2).AddHours(2))); // Tuesday 01:00: Monday has no night range
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_is_always_open(string? text) => Assert.True(OpeningHours.Parse(text, "Asia/Shanghai").IsAlwaysOpen);

    [Theory]
    [InlineData("Mon-Fri")]
    [InlineData("Monday 09:00-18:00")]
    [InlineData("Mon-Fri 9-18")]
    [InlineData("Mon-Fri 09:00-09:00")]
    [InlineData("Mon-Fri 25:00-26:00")]
    public void A_malformed_rule_is_refused_naming_the_setting_and_the_rule(string text)
    {
        var error = Assert.Throws<FormatException>(() => OpeningHours.Parse(text, "Asia/Shanghai"));
        Assert.Contains("Handoff:OpeningHours", error.Message, StringComparison.Ordinal);
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_is_refused_naming_the_setting() =>
        Assert.Contains("Handoff:TimeZone", Assert.Throws<FormatException>(() => OpeningHours.Parse("Mon 09:00-10:00", "Mars/Olympus")).Message, StringComparison.Ordinal);

    [Fact]
    public void The_options_validation_names_the_setting()
    {
        var results = new HandoffOptions { OpeningHours = "weekdays", Target = "email" }
            .Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();
        Assert.Contains(results, r => r.ErrorMessage!.Contains("Handoff:OpeningHours", StringComparison.Ordinal));
        Assert.Contains(results, r => r.ErrorMessage!.Contains("Handoff:Target", StringComparison.Ordinal));
    }
}
