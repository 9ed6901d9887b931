namespace Anchor.Pbx.Hunting;

/// <summary>How a hunt group rings its members.</summary>
public enum HuntStrategy
{
    /// <summary>All at once (SPA <c>al</c>; the SPA9000's behaviour without <c>hunt=</c>).</summary>
    RingAll,

    /// <summary>One after another from the first, each call (SPA <c>re</c>).</summary>
    Restart,

    /// <summary>One after another, starting after the member used last (SPA <c>ne</c>; Asterisk's rrmemory).</summary>
    Next,

    /// <summary>Each member once, in a random order (SPA <c>ra</c>).</summary>
    Random,

    /// <summary>The first, then the first two, then the first three … (FreePBX's memoryhunt).</summary>
    Memory,
}

/// <summary>
/// How long a hunt goes on before its fallback: for ever, a number of seconds, or a number of cycles through the members
/// (the SPA9000's rule for <c>max</c>: larger than the ring interval is seconds, smaller counts cycles, 0 is for ever).
/// </summary>
public readonly record struct HuntLimit(TimeSpan Time, int Cycles)
{
    public static readonly HuntLimit Forever = new(TimeSpan.Zero, 0);

    public bool IsForever => Time == TimeSpan.Zero && Cycles == 0;

    /// <summary>The SPA rule applied to <paramref name="max"/> against the ring interval <paramref name="ring"/> (both seconds).</summary>
    public static HuntLimit FromSpa(int max, int ring) =>
        max <= 0 ? Forever : ring > 0 && max < ring ? new HuntLimit(TimeSpan.Zero, max) : new HuntLimit(TimeSpan.FromSeconds(max), 0);

    public override string ToString() => IsForever ? "for ever" : Cycles > 0 ? $"{Cycles} cycle(s)" : $"{Time.TotalSeconds:0} s";
}

/// <summary>
/// A number that rings a set of extensions (the SPA9000's hunt groups, Asterisk's queues without the queue): who, in
/// which order, for how long each (<see cref="Ring"/>; zero with <see cref="UntilAnswered"/>: the first member that
/// rings rings until it answers), for how long in all, then <see cref="Fallback"/> (a target, or null: 480).
/// Members are extension numbers or other groups' numbers (one level deep: a member group's own group members are not followed).
/// </summary>
public sealed record HuntGroup
{
    /// <summary>The group's own number; for a trunk's Contact List rule, a name for the log ("Trunks[0].Inbound rule 2").</summary>
    public required string Number { get; init; }

    public string? Name { get; init; }

    public required IReadOnlyList<string> Members { get; init; }

    public HuntStrategy Strategy { get; init; } = HuntStrategy.RingAll;

    public TimeSpan Ring { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The SPA interval <c>*</c>: stop at the first member that rings and ring it until it answers.</summary>
    public bool UntilAnswered { get; init; }

    public HuntLimit Limit { get; init; } = HuntLimit.Forever;

    /// <summary>Where the call goes once the hunt is over (a target in the one syntax: <c>101</c>, <c>vm101</c>, <c>400</c>); null: 480.</summary>
    public string? Fallback { get; init; }

    /// <summary>Ring members who are on a call or in do-not-disturb too.</summary>
    public bool RingBusy { get; init; }

    /// <summary>Members see the caller as "Name: caller".</summary>
    public bool CallerIdPrefix { get; init; }

    public override string ToString() => Name is { Length: > 0 } n ? $"{Number} ({n})" : Number;
}

/// <summary>One rule of an SPA9000 Contact List on a trunk: the DIDs it takes (wildcards <c>*</c> and <c>?</c>; null: any) and the group it rings.</summary>
public sealed record ContactRule(string? Did, HuntGroup Group)
{
    public bool Matches(string did) => Did is null || Wildcard.Matches(Did, did);
}

/// <summary>The SPA9000's wildcards in DIDs and stations: <c>*</c> any run of characters, <c>?</c> one.</summary>
public static class Wildcard
{
    public static bool IsPattern(string s) => s.Contains('*') || s.Contains('?');

    public static bool Matches(string pattern, string text) => Match(pattern.AsSpan(), text.AsSpan());

    private static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> t)
    {
        while (p.Length > 0)
        {
            if (p[0] == '*')
            {
                for (int i = 0; i <= t.Length; i++)
                {
                    if (Match(p[1..], t[i..]))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (t.Length == 0 || (p[0] != '?' && p[0] != t[0]))
            {
                return false;
            }

            p = p[1..];
            t = t[1..];
        }

        return t.Length == 0;
    }
}
