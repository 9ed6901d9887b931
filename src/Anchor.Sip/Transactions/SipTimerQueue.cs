namespace Anchor.Sip.Transactions;

/// <summary>
/// The one timer mechanism of the stack: a priority queue of (due time, target, timer id, generation) behind a single
/// <see cref="ITimer"/> armed for the earliest entry. Nothing is cancelled in the queue: a target re-arming a timer bumps
/// its generation and ignores the stale expiry (no allocation, no search). Runs on <see cref="TimeProvider"/>, so tests
/// drive every transaction timer with a fake clock. A <c>resolution</c> lets expiries run up to that much late so that
/// under load one wake-up serves every timer due within it (the host uses 10 ms: at thousands of transactions a second,
/// each with its own retransmission and linger timers, that is at most 100 wake-ups a second instead of one per
/// expiry, each a timer-thread hop and a thread-pool hop).
/// </summary>
public sealed class SipTimerQueue : IDisposable
{
    private readonly TimeProvider _time;
    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private readonly long _slack;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public SipTimerQueue(TimeProvider time, TimeSpan resolution = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, TimeSpan.Zero);
        _time = time;
        _slack = (long)(resolution.TotalSeconds * time.TimestampFrequency);
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public TimeProvider Time => _time;

    /// <summary>Calls <paramref name="target"/> with (<paramref name="timer"/>, <paramref name="generation"/>) after <paramref name="delay"/>.</summary>
    public void Schedule(TimeSpan delay, ITimerTarget target, int timer, int generation)
    {
        long now = _time.GetTimestamp();
        long due = now + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue(new Entry(target, timer, generation), due);
            if (due < _armedFor - _slack) // an armed wake-up within the resolution after it serves it too
            {
                _armedFor = due;
                Arm(due, now);
            }
        }
    }

    /// <summary>
    /// Called under the lock, so concurrent schedules cannot arm out of order. The wait is at least 1 ms: a zero due time
    /// may run the callback synchronously inside Change (FakeTimeProvider does), which would re-enter under the lock.
    /// </summary>
    private void Arm(long due, long now)
    {
        TimeSpan wait = due <= now ? TimeSpan.Zero : _time.GetElapsedTime(now, due);
        if (wait < TimeSpan.FromMilliseconds(1))
        {
            wait = TimeSpan.FromMilliseconds(1);
        }

        try
        {
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Fire()
    {
        while (true)
        {
            Entry e;
            long now = _time.GetTimestamp();
            lock (_lock)
            {
                if (_disposed || !_queue.TryPeek(out e, out long due))
                {
                    _armedFor = long.MaxValue;
                    return;
                }

                if (due > now)
                {
                    long at = Math.Max(due, now + _slack);
                    _armedFor = at;
                    Arm(at, now);
                    return;
                }

                _queue.Dequeue();
            }

            try
            {
                e.Target.OnTimer(e.Timer, e.Generation);
            }
            catch (Exception)
            {
                // A failing target must not stop every other transaction's timers.
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _queue.Clear();
        }

        _timer.Dispose();
    }

    private readonly record struct Entry(ITimerTarget Target, int Timer, int Generation);
}
