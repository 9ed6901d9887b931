using Anchor.Sip.Transactions;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Sip.Tests.Transactions;

public sealed class SipTimerQueueTests
{
    private sealed class Recorder(FakeTimeProvider clock) : ITimerTarget
    {
        public List<(int Timer, TimeSpan At)> Fired { get; } = [];

        public void OnTimer(int timer, int generation) => Fired.Add((timer, clock.GetUtcNow() - Start));
    }

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static void Step(FakeTimeProvider clock, int milliseconds)
    {
        for (int i = 0; i < milliseconds; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    [Fact]
    public void Without_a_resolution_each_expiry_runs_at_its_own_time()
    {
        var clock = new FakeTimeProvider(Start);
        using var queue = new SipTimerQueue(clock);
        var target = new Recorder(clock);
        queue.Schedule(TimeSpan.FromMilliseconds(1), target, 1, 0);
        queue.Schedule(TimeSpan.FromMilliseconds(3), target, 2, 0);
        queue.Schedule(TimeSpan.FromMilliseconds(8), target, 3, 0);
        Step(clock, 20);
        Assert.Equal([(1, TimeSpan.FromMilliseconds(1)), (2, TimeSpan.FromMilliseconds(3)), (3, TimeSpan.FromMilliseconds(8))], target.Fired);
    }

    [Fact]
    public void With_a_resolution_expiries_close_together_share_one_wake_up_never_early_and_at_most_that_late()
    {
        var clock = new FakeTimeProvider(Start);
        using var queue = new SipTimerQueue(clock, TimeSpan.FromMilliseconds(10));
        var target = new Recorder(clock);
        queue.Schedule(TimeSpan.FromMilliseconds(1), target, 1, 0);
        queue.Schedule(TimeSpan.FromMilliseconds(3), target, 2, 0);
        queue.Schedule(TimeSpan.FromMilliseconds(8), target, 3, 0);
        queue.Schedule(TimeSpan.FromMilliseconds(40), target, 4, 0);
        Step(clock, 60);

        // 1 ms: the first; the next wake-up is 10 ms after that one, and serves both of the others.
        Assert.Equal([(1, TimeSpan.FromMilliseconds(1)), (2, TimeSpan.FromMilliseconds(11)), (3, TimeSpan.FromMilliseconds(11)),
            (4, TimeSpan.FromMilliseconds(40))], target.Fired);

        // A timer scheduled shortly before an armed wake-up waits for it; one well before it re-arms. Wake-ups are never
        // closer than the resolution: 65, then 85 (the one of 25 ms), then 95 (the one of 30, 5 ms late).
        target.Fired.Clear();
        queue.Schedule(TimeSpan.FromMilliseconds(30), target, 5, 0);
        queue.Schedule(TimeSpan.FromMilliseconds(25), target, 6, 0); // within 10 ms before 30: served by that wake-up
        queue.Schedule(TimeSpan.FromMilliseconds(5), target, 7, 0); // well before: its own wake-up
        Step(clock, 40);
        Assert.Equal([(7, TimeSpan.FromMilliseconds(65)), (6, TimeSpan.FromMilliseconds(85)), (5, TimeSpan.FromMilliseconds(95))], target.Fired);
    }

    [Fact]
    public void A_negative_resolution_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipTimerQueue(new FakeTimeProvider(Start), TimeSpan.FromMilliseconds(-1)));
}
