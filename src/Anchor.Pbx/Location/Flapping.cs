using System.Collections.Concurrent;

namespace Anchor.Pbx.Location;

/// <summary>
/// Phones whose registration will not hold still, for the admin's dashboard: a binding dropped (its phone stopped
/// answering keep-alives) or the same Contact registered again from another address (a NAT forgetting its mapping, a
/// phone on a flaky Wi-Fi) counts as a change; <see cref="Threshold"/> changes within <see cref="Window"/> is flapping.
/// </summary>
public sealed class Flapping
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    public const int Threshold = 3;

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _changes = new(StringComparer.Ordinal);

    public Flapping(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// A REGISTER moved <paramref name="b"/>'s Contact to another source address (the registrar's event: it compares
    /// with the binding it replaces, so nothing is kept here per binding).
    /// </summary>
    public void OnMoved(Binding b) => Count(b.Aor);

    /// <summary>A binding was dropped (the location service's event): its phone stopped answering.</summary>
    public void OnDropped(Binding b, string why) => Count(b.Aor);

    /// <summary>The extensions flapping now, with their changes in the window, most first.</summary>
    public IReadOnlyList<(string Extension, int Changes)> Now()
    {
        DateTimeOffset since = _time.GetUtcNow() - Window;
        var list = new List<(string, int)>();
        foreach (var (aor, q) in _changes)
        {
            lock (q)
            {
                Trim(q, since);
                if (q.Count >= Threshold)
                {
                    list.Add((aor, q.Count));
                }
            }
        }

        return list.OrderByDescending(x => x.Item2).ThenBy(x => x.Item1, StringComparer.Ordinal).ToList();
    }

    private void Count(string aor)
    {
        DateTimeOffset now = _time.GetUtcNow();
        Queue<DateTimeOffset> q = _changes.GetOrAdd(aor, _ => new Queue<DateTimeOffset>());
        lock (q)
        {
            Trim(q, now - Window);
            q.Enqueue(now);
        }
    }

    private static void Trim(Queue<DateTimeOffset> q, DateTimeOffset since)
    {
        while (q.Count > 0 && q.Peek() < since)
        {
            q.Dequeue();
        }
    }
}
