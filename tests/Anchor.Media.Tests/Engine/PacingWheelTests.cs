using Anchor.Media.Engine;
using Xunit;

namespace Anchor.Media.Tests.Engine;

/// <summary>The 20 ms clock of Anchor's own streams, driven by a fake millisecond clock.</summary>
public class PacingWheelTests
{
    private sealed class Stream : IPaced
    {
        public int WheelSlot { get; set; } = -1;

        public int WheelIndex { get; set; } = -1;

        public long DueMs { get; set; }

        public List<(long At, int Skipped)> Ticks { get; } = [];
    }

    [Fact]
    public void Each_stream_ticks_every_20_ms_at_its_own_phase()
    {
        var wheel = new PacingWheel<Stream>();
        Stream[] streams = Enumerable.Range(0, 100).Select(_ => new Stream()).ToArray();
        for (int i = 0; i < streams.Length; i++)
        {
            wheel.Add(streams[i], 1000 + (i * 7 % 20)); // spread over the frame
        }

        for (long now = 1000; now <= 3000; now++)
        {
            wheel.Run(now, (s, skipped) => s.Ticks.Add((now, skipped)));
        }

        foreach (Stream s in streams)
        {
            Assert.InRange(s.Ticks.Count, 100, 101);
            long[] gaps = s.Ticks.Zip(s.Ticks.Skip(1), (a, b) => b.At - a.At).ToArray();
            Assert.All(gaps, g => Assert.Equal(20, g));
            Assert.All(s.Ticks, t => Assert.Equal(0, t.Skipped));
        }
    }

    [Fact]
    public void A_late_wake_sends_each_due_frame_once_and_a_long_stall_skips_instead_of_bursting()
    {
        var wheel = new PacingWheel<Stream>();
        var s = new Stream();
        wheel.Add(s, 0);
        wheel.Run(0, (x, k) => x.Ticks.Add((0, k)));
        wheel.Run(27, (x, k) => x.Ticks.Add((27, k))); // 7 ms late: the frame due at 20 goes now
        wheel.Run(40, (x, k) => x.Ticks.Add((40, k)));
        wheel.Run(95, (x, k) => x.Ticks.Add((95, k))); // 55 ms late: the frames due at 60 and 80 go at once
        wheel.Run(300, (x, k) => x.Ticks.Add((300, k))); // starved for 200 ms: the frames due at 100 to 280 skipped, one sent, back in step
        wheel.Run(320, (x, k) => x.Ticks.Add((320, k)));
        Assert.Equal([(0, 0), (27, 0), (40, 0), (95, 0), (95, 0), (300, 10), (320, 0)], s.Ticks);
        Assert.Equal(20, wheel.MsUntilNext(300)); // nothing is left due after a run
    }

    [Fact]
    public void Removal_during_a_tick_and_the_time_to_the_next_frame()
    {
        var wheel = new PacingWheel<Stream>();
        var a = new Stream();
        var b = new Stream();
        Assert.Equal(-1, wheel.MsUntilNext(0));
        wheel.Add(a, 5);
        wheel.Add(b, 5);
        Assert.Equal(5, wheel.MsUntilNext(0));
        var ticked = new List<Stream>();
        wheel.Run(5, (s, _) =>
        {
            ticked.Add(s);
            wheel.Remove(a); // a stream ended by its own tick (its playback finished and nothing else plays)
        });
        Assert.Equal(2, ticked.Count);
        Assert.Equal(1, wheel.Count);
        Assert.Equal(20, wheel.MsUntilNext(5));
    }
}
