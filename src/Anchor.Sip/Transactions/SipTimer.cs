namespace Anchor.Sip.Transactions;

/// <summary>
/// A re-armable one-shot timer on the stack's <see cref="SipTimerQueue"/>, for transaction users: <see cref="Start"/>
/// (re)arms it, <see cref="Cancel"/> disarms it; an expiry armed before either is ignored (generations, as the
/// transactions' own timers). The callback runs on the timer queue's thread; the owner takes its own lock.
/// </summary>
public sealed class SipTimer : ITimerTarget
{
    private readonly SipTimerQueue _queue;
    private readonly Action _onExpiry;
    private readonly TimeSpan _period;
    private int _generation;

    /// <param name="period">Re-arms itself this long after each expiry (a housekeeping tick); zero: one-shot.</param>
    public SipTimer(SipTimerQueue queue, Action onExpiry, TimeSpan period = default)
    {
        _queue = queue;
        _onExpiry = onExpiry;
        _period = period;
    }

    /// <summary>A timer that fires every <paramref name="period"/>, started.</summary>
    public static SipTimer Every(SipTimerQueue queue, TimeSpan period, Action onTick)
    {
        var t = new SipTimer(queue, onTick, period);
        t.Start(period);
        return t;
    }

    /// <summary>Whether the timer is armed and has not fired since.</summary>
    public bool IsArmed { get; private set; }

    public void Start(TimeSpan delay)
    {
        int generation = Interlocked.Increment(ref _generation);
        IsArmed = true;
        _queue.Schedule(delay, this, 0, generation);
    }

    public void Cancel()
    {
        Interlocked.Increment(ref _generation);
        IsArmed = false;
    }

    void ITimerTarget.OnTimer(int timer, int generation)
    {
        if (generation != Volatile.Read(ref _generation))
        {
            return;
        }

        IsArmed = false;
        if (_period > TimeSpan.Zero)
        {
            Start(_period);
        }

        _onExpiry();
    }
}
