namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>
/// One auto attendant of the configuration (<c>AutoAttendants[]</c>), validated and compiled: its number, schedule and
/// the script of each mode (the JSON Day/Night menus, or a pasted SPA script serving both).
/// </summary>
/// <param name="Operators">Extensions that may switch day/night with the override code without a PIN.</param>
public sealed record Attendant(string Number, string Name, AaSchedule Schedule, AaScript Day, AaScript Night, TimeSpan DayAnswerDelay,
    TimeSpan NightAnswerDelay, IReadOnlySet<string> Operators)
{
    public AaScript Script(bool night) => night ? Night : Day;

    public TimeSpan AnswerDelay(bool night) => night ? NightAnswerDelay : DayAnswerDelay;
}

/// <summary>
/// Which mode each auto attendant is in: the schedule's, unless the office switched it by hand (the night-mode code),
/// which holds until the schedule's next change — as an SPA9000 admin toggles night service for an early close.
/// </summary>
public sealed class AttendantModes(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (bool Night, DateTimeOffset? Until)> _overrides = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="aa"/> runs its night script now.</summary>
    public bool IsNight(Attendant aa)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_lock)
        {
            if (_overrides.TryGetValue(aa.Number, out var o))
            {
                if (o.Until is null || now < o.Until)
                {
                    return o.Night;
                }

                _overrides.Remove(aa.Number);
            }
        }

        return !aa.Schedule.IsOpen(now);
    }

    /// <summary>Flips every attendant in <paramref name="all"/> to the other mode until its next scheduled change; returns whether they are now at night.</summary>
    public bool Toggle(IReadOnlyCollection<Attendant> all)
    {
        if (all.Count == 0)
        {
            return false;
        }

        bool night = !IsNight(all.First());
        DateTimeOffset now = time.GetUtcNow();
        lock (_lock)
        {
            foreach (Attendant aa in all)
            {
                _overrides[aa.Number] = (night, aa.Schedule.NextChange(now));
            }
        }

        return night;
    }
}
