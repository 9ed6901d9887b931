namespace Anchor.Pbx.Hunting;

/// <summary>Where a <see cref="HuntStrategy.Next"/> group starts: after the member that answered its last call (or was rung first, if none did).</summary>
public sealed class HuntCursor
{
    private string? _last;

    public string? Last
    {
        get => Volatile.Read(ref _last);
        set => Volatile.Write(ref _last, value);
    }
}

/// <summary>The order a hunt rings its members in, one cycle at a time: each step is the members that ring together.</summary>
public static class HuntPlan
{
    public static IReadOnlyList<IReadOnlyList<string>> Cycle(HuntStrategy strategy, IReadOnlyList<string> members, string? last, Random random)
    {
        if (members.Count == 0)
        {
            return [];
        }

        switch (strategy)
        {
            case HuntStrategy.RingAll:
                return [members];
            case HuntStrategy.Restart:
                return members.Select(m => (IReadOnlyList<string>)[m]).ToList();
            case HuntStrategy.Next:
                int start = last is null ? 0 : (IndexOf(members, last) + 1) % members.Count;
                return Enumerable.Range(0, members.Count).Select(i => (IReadOnlyList<string>)[members[(start + i) % members.Count]]).ToList();
            case HuntStrategy.Random:
                string[] shuffled = members.ToArray();
                random.Shuffle(shuffled);
                return shuffled.Select(m => (IReadOnlyList<string>)[m]).ToList();
            case HuntStrategy.Memory:
                return Enumerable.Range(1, members.Count).Select(n => (IReadOnlyList<string>)members.Take(n).ToList()).ToList();
            default:
                throw new ArgumentOutOfRangeException(nameof(strategy));
        }
    }

    private static int IndexOf(IReadOnlyList<string> members, string m)
    {
        for (int i = 0; i < members.Count; i++)
        {
            if (members[i] == m)
            {
                return i;
            }
        }

        return -1; // a member since removed: start from the first
    }
}
