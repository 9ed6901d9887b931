using Anchor.Pbx.Applications.AutoAttendant;

namespace Anchor.Pbx.Tests.Applications;

/// <summary>Opening hours in the office's own time zone, across DST changes, midnight and holidays.</summary>
public class AaScheduleTests
{
    private static AaSchedule Parse(string zone, string[] open, string[]? holidays = null)
    {
        Assert.True(AaSchedule.TryParse(zone, open, holidays ?? [], out AaSchedule? s, out string? error), error);
        return s!;
    }

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Weekday_window_in_los_angeles()
    {
        AaSchedule s = Parse("America/Los_Angeles", ["Mon-Fri 08:30-18:00"]);
        // Tuesday 2026-12-01, PST (UTC-8): 08:29 and 08:30 local.
        Assert.False(s.IsOpen(Utc(2026, 12, 1, 16, 29)));
        Assert.True(s.IsOpen(Utc(2026, 12, 1, 16, 30)));
        Assert.True(s.IsOpen(Utc(2026, 12, 2, 1, 59))); // 17:59
        Assert.False(s.IsOpen(Utc(2026, 12, 2, 2, 0))); // 18:00: closed
        Assert.False(s.IsOpen(Utc(2026, 12, 5, 18, 0))); // Saturday 10:00
    }

    [Fact]
    public void Dst_moves_the_window_with_the_wall_clock()
    {
        AaSchedule s = Parse("America/Los_Angeles", ["Mon-Fri 08:30-18:00"]);
        // Friday 2026-03-06 is PST (UTC-8): 08:30 local is 16:30 UTC.
        Assert.True(s.IsOpen(Utc(2026, 3, 6, 16, 30)));
        Assert.False(s.IsOpen(Utc(2026, 3, 6, 15, 30)));
        // DST starts Sunday 2026-03-08; Monday 03-09 is PDT (UTC-7): 08:30 local is 15:30 UTC.
        Assert.True(s.IsOpen(Utc(2026, 3, 9, 15, 30)));
        Assert.False(s.IsOpen(Utc(2026, 3, 9, 15, 29)));
        // And back in November (DST ends Sunday 2026-11-01): Monday 11-02 08:30 PST is 16:30 UTC again.
        Assert.False(s.IsOpen(Utc(2026, 11, 2, 16, 29)));
        Assert.True(s.IsOpen(Utc(2026, 11, 2, 16, 30)));
    }

    [Fact]
    public void Next_change_is_found_across_a_dst_change()
    {
        AaSchedule s = Parse("America/Los_Angeles", ["Mon-Fri 08:30-18:00"]);
        // Friday 2026-03-06 19:00 PST: next opening is Monday 03-09 08:30 PDT = 15:30 UTC.
        Assert.Equal(Utc(2026, 3, 9, 15, 30), s.NextChange(Utc(2026, 3, 7, 3, 0)));
    }

    [Fact]
    public void Windows_may_cross_midnight_and_list_days()
    {
        AaSchedule s = Parse("UTC", ["Fri 22:00-02:00", "Sat,Sun 10:00-12:00"]);
        Assert.True(s.IsOpen(Utc(2026, 12, 4, 23, 0))); // Friday 23:00
        Assert.True(s.IsOpen(Utc(2026, 12, 5, 1, 59))); // Saturday 01:59, still Friday's window
        Assert.False(s.IsOpen(Utc(2026, 12, 5, 2, 0)));
        Assert.True(s.IsOpen(Utc(2026, 12, 6, 11, 0))); // Sunday
        Assert.False(s.IsOpen(Utc(2026, 12, 7, 11, 0))); // Monday
    }

    [Fact]
    public void Holidays_are_night_all_day_yearly_or_once()
    {
        AaSchedule s = Parse("Europe/Berlin", ["Mon-Sun 00:00-24:00"], ["12-25", "2026-11-26"]);
        Assert.False(s.IsOpen(Utc(2026, 12, 25, 11, 0)));
        Assert.False(s.IsOpen(Utc(2027, 12, 25, 11, 0))); // every year
        Assert.False(s.IsOpen(Utc(2026, 11, 26, 11, 0)));
        Assert.True(s.IsOpen(Utc(2027, 11, 26, 11, 0))); // only in 2026
        Assert.True(s.IsOpen(Utc(2026, 12, 24, 22, 59))); // 23:59 in Berlin on the 24th
        Assert.False(s.IsOpen(Utc(2026, 12, 24, 23, 0))); // midnight in Berlin: the 25th
    }

    [Fact]
    public void No_windows_is_always_day()
    {
        Assert.True(Parse("UTC", []).IsOpen(Utc(2026, 12, 6, 3, 0)));
        Assert.Null(Parse("UTC", []).NextChange(Utc(2026, 12, 6, 3, 0)));
    }

    [Theory]
    [InlineData("Mars/Olympus", "Mon 08:00-09:00", "", "TimeZone:")]
    [InlineData("UTC", "Mon-Fry 08:00-09:00", "", "Open[0]:")]
    [InlineData("UTC", "Mon 8-9", "", "Open[0]:")]
    [InlineData("UTC", "Mon 09:00-09:00", "", "Open[0]:")]
    [InlineData("UTC", "Mon 08:00-25:00", "", "Open[0]:")]
    [InlineData("UTC", "Mon 08:00-09:00", "13-01", "Holidays[0]:")]
    [InlineData("UTC", "Mon 08:00-09:00", "2026-02-30", "Holidays[0]:")]
    public void Errors_name_the_entry(string zone, string open, string holiday, string key)
    {
        Assert.False(AaSchedule.TryParse(zone, [open], holiday.Length > 0 ? [holiday] : [], out _, out string? error));
        Assert.StartsWith(key, error, StringComparison.Ordinal);
    }
}
