namespace Anchor.Media.Engine;

/// <summary>What a <see cref="PacingWheel{T}"/> schedules: it keeps its own place in the wheel.</summary>
internal interface IPaced
{
    int WheelSlot { get; set; }

    int WheelIndex { get; set; }

    /// <summary>When its next frame is due, in milliseconds of the engine's clock.</summary>
    long DueMs { get; set; }
}

/// <summary>
/// The 20 ms clock of Anchor's own RTP streams: a timing wheel of one slot per millisecond of a frame. A stream sits in
/// the slot of its phase and is visited once per frame, so each millisecond touches a twentieth of the streams and
/// nothing is sorted or allocated. A stream a few frames behind (the thread woke late) sends the frames it owes at
/// once; one more than <see cref="MaxLateFrames"/> behind (the thread was starved) skips them instead of sending a
/// burst, and its tick is told how many. After a run no stream is due, so the engine never spins waiting for a slot.
/// </summary>
internal sealed class PacingWheel<T> where T : class, IPaced
{
    public const int FrameMs = 20;
    public const int MaxLateFrames = 3;
    private readonly List<T>[] _slots = new List<T>[FrameMs];
    private long _lastRun = long.MinValue;

    public PacingWheel()
    {
        for (int i = 0; i < FrameMs; i++)
        {
            _slots[i] = [];
        }
    }

    public int Count { get; private set; }

    /// <summary>Schedules <paramref name="item"/>'s first frame at <paramref name="firstDueMs"/>.</summary>
    public void Add(T item, long firstDueMs)
    {
        if (firstDueMs <= _lastRun)
        {
            firstDueMs = _lastRun + 1; // that slot has been visited already: start at the next millisecond
        }

        item.DueMs = firstDueMs;
        int slot = (int)(firstDueMs % FrameMs);
        item.WheelSlot = slot;
        item.WheelIndex = _slots[slot].Count;
        _slots[slot].Add(item);
        Count++;
    }

    public void Remove(T item)
    {
        if (item.WheelSlot < 0)
        {
            return;
        }

        List<T> list = _slots[item.WheelSlot];
        int i = item.WheelIndex;
        T last = list[^1];
        list[i] = last;
        last.WheelIndex = i;
        list.RemoveAt(list.Count - 1);
        item.WheelSlot = -1;
        item.WheelIndex = -1;
        Count--;
    }

    /// <summary>Milliseconds until the next slot with a stream in it comes round (at most one frame); -1 when the wheel is empty.</summary>
    public int MsUntilNext(long nowMs)
    {
        if (Count == 0)
        {
            return -1;
        }

        for (int d = 0; d < FrameMs; d++)
        {
            if (nowMs + d <= _lastRun)
            {
                continue; // visited this millisecond already
            }

            List<T> list = _slots[(int)((nowMs + d) % FrameMs)];
            foreach (T item in list)
            {
                if (item.DueMs <= nowMs + d)
                {
                    return d;
                }
            }
        }

        return FrameMs;
    }

    /// <summary>
    /// Visits every slot passed since the last run (up to one whole frame) and ticks each stream whose frame is due:
    /// <paramref name="tick"/> gets the stream and the frames it skipped (0 normally).
    /// </summary>
    public void Run(long nowMs, Action<T, int> tick)
    {
        long from = _lastRun == long.MinValue || nowMs - _lastRun > FrameMs ? nowMs - FrameMs + 1 : _lastRun + 1;
        _lastRun = nowMs;
        for (long ms = from; ms <= nowMs; ms++)
        {
            List<T> list = _slots[(int)(((ms % FrameMs) + FrameMs) % FrameMs)];
            for (int i = 0; i < list.Count; i++)
            {
                T item = list[i];
                while (item.DueMs <= nowMs && item.WheelSlot >= 0)
                {
                    long late = (nowMs - item.DueMs) / FrameMs;
                    int skipped = late > MaxLateFrames ? (int)late : 0;
                    item.DueMs += (skipped + 1) * (long)FrameMs;
                    tick(item, skipped);
                }

                if (list.Count > i && !ReferenceEquals(list[i], item))
                {
                    i--; // the tick removed it (swap-remove): look at what took its place
                }
            }
        }
    }
}
