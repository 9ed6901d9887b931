using System.Globalization;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>
/// When the office is open, in its own time zone: windows such as <c>Mon-Fri 08:30-18:00</c> or <c>Sat 09:00-12:00</c>
/// (days as ranges or lists; a window may cross midnight, <c>Fri 22:00-02:00</c>), and holidays (<c>12-25</c> every
/// year, <c>2026-11-26</c> once) that are night all day; no time zone: the machine's. No windows: always day (the SPA9000's blank DayTime). Local
/// time comes from the IANA zone, so DST changes move the windows with the clock on the wall.
/// </summary>
public sealed class AaSchedule
{
    private static readonly string[] DayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    private readonly List<(bool[] Days, int Start, int End)> _windows;
    private readonly List<(int Year, int Month, int Day)> _holidays;

    private AaSchedule(TimeZoneInfo zone, List<(bool[], int, int)> windows, List<(int, int, int)> holidays)
    {
        Zone = zone;
        _windows = windows;
        _holidays = holidays;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses a schedule; <paramref name="error"/> names the entry that is wrong and why.</summary>
    public static bool TryParse(string? timeZone, IReadOnlyList<string> open, IReadOnlyList<string> holidays, out AaSchedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        TimeZoneInfo zone = TimeZoneInfo.Local;
        if (!string.IsNullOrEmpty(timeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out zone!))
        {
            error = $"TimeZone: \"{timeZone}\" is not a time zone (an IANA name such as America/Los_Angeles)";
            return false;
        }

        var windows = new List<(bool[], int, int)>();
        for (int i = 0; i < open.Count; i++)
        {
            if (!TryWindow(open[i], out bool[]? days, out int start, out int end, out string? why))
            {
                error = $"Open[{i}]: \"{open[i]}\" {why} (write it as Mon-Fri 08:30-18:00)";
                return false;
            }

            windows.Add((days!, start, end));
        }

        var days2 = new List<(int, int, int)>();
        for (int i = 0; i < holidays.Count; i++)
        {
            string h = holidays[i].Trim();
            string[] p = h.Split('-');
            bool ok = p.Length switch
            {
                2 => int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int m) & int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out int d)
                     && IsDate(2000, m, d) && Add(days2, 0, m, d),
                3 => DateOnly.TryParseExact(h, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date) && Add(days2, date.Year, date.Month, date.Day),
                _ => false,
            };
            if (!ok)
            {
                error = $"Holidays[{i}]: \"{holidays[i]}\" is not MM-DD or YYYY-MM-DD";
                return false;
            }
        }

        schedule = new AaSchedule(zone, windows, days2);
        return true;
    }

    /// <summary>Whether <paramref name="utc"/> is in opening hours (day mode) where the office is.</summary>
    public bool IsOpen(DateTimeOffset utc)
    {
        DateTime local = TimeZoneInfo.ConvertTime(utc, Zone).DateTime;
        if (IsHoliday(local))
        {
            return false;
        }

        if (_windows.Count == 0)
        {
            return true;
        }

        int day = ((int)local.DayOfWeek + 6) % 7; // Monday = 0
        int minute = (local.Hour * 60) + local.Minute;
        foreach ((bool[] days, int start, int end) in _windows)
        {
            if (start < end ? days[day] && minute >= start && minute < end
                : (days[day] && minute >= start) || (days[(day + 6) % 7] && minute < end && !IsHoliday(local.AddDays(-1).Date.AddHours(23))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The next instant after <paramref name="utc"/> at which the mode changes (within two weeks), or null when it never does.</summary>
    public DateTimeOffset? NextChange(DateTimeOffset utc)
    {
        bool now = IsOpen(utc);
        DateTimeOffset t = new(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
        for (int i = 1; i <= 14 * 24 * 60; i++)
        {
            DateTimeOffset step = t.AddMinutes(i);
            if (IsOpen(step) != now)
            {
                return step;
            }
        }

        return null;
    }

    private bool IsHoliday(DateTime local) =>
        _holidays.Any(h => (h.Year == 0 || h.Year == local.Year) && h.Month == local.Month && h.Day == local.Day);

    private static bool TryWindow(string text, out bool[]? days, out int start, out int end, out string? why)
    {
        days = null;
        start = end = 0;
        string[] parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            why = "needs days and hours";
            return false;
        }

        days = new bool[7];
        foreach (string item in parts[0].Split(','))
        {
            string[] range = item.Split('-');
            int a = Array.FindIndex(DayNames, d => d.Equals(range[0], StringComparison.OrdinalIgnoreCase));
            int b = range.Length == 2 ? Array.FindIndex(DayNames, d => d.Equals(range[1], StringComparison.OrdinalIgnoreCase)) : a;
            if (a < 0 || b < 0 || range.Length > 2)
            {
                why = $"has \"{item}\", which is not a day or a range of days (Mon..Sun)";
                return false;
            }

            for (int d = a; ; d = (d + 1) % 7)
            {
                days[d] = true;
                if (d == b)
                {
                    break;
                }
            }
        }

        string[] hours = parts[1].Split('-');
        if (hours.Length != 2 || !TryTime(hours[0], out start) || !TryTime(hours[1], out end) || start == end)
        {
            why = $"has \"{parts[1]}\", which is not HH:MM-HH:MM";
            return false;
        }

        why = null;
        return true;
    }

    private static bool TryTime(string s, out int minutes)
    {
        minutes = 0;
        string[] p = s.Split(':');
        if (p.Length != 2 || !int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || !int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out int m) || m > 59 || h > 24 || (h == 24 && m != 0))
        {
            return false;
        }

        minutes = (h * 60) + m;
        return true;
    }

    private static bool IsDate(int y, int m, int d) => m is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth(y, m);

    private static bool Add(List<(int, int, int)> list, int y, int m, int d)
    {
        list.Add((y, m, d));
        return true;
    }
}
