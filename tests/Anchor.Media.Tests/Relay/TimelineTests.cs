using Xunit;
using System.Net.Sockets;
using Anchor.Media.Relay;

namespace Anchor.Media.Tests.Relay;

/// <summary>Each stream's packets per 5-second stretch, for the call page's timeline: gaps kept, a day at most.</summary>
public class TimelineTests
{
    private const long Frequency = 1000; // one tick a millisecond

    private static RelayEndpoint Endpoint() => new(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), 20000, isRtcp: false);

    [Fact]
    public void Counts_per_five_seconds_from_the_first_packet_and_keeps_a_silent_stretch_as_zeros()
    {
        using RelayEndpoint ep = Endpoint();
        Assert.Empty(ep.Timeline());
        long start = 1_000_000;
        for (long ms = 0; ms < 10_000; ms += 20)
        {
            ep.CountTimeline(start + ms, Frequency); // 50 packets/s for 10 s
        }

        for (long ms = 25_000; ms < 27_000; ms += 20)
        {
            ep.CountTimeline(start + ms, Frequency); // then 15 s of silence, then 2 s more
        }

        Assert.Equal([250, 250, 0, 0, 0, 100], ep.Timeline());
        Assert.Equal(ep.Timeline(), ep.Snapshot().Timeline);
    }

    [Fact]
    public void Stops_counting_after_a_day()
    {
        using RelayEndpoint ep = Endpoint();
        ep.CountTimeline(0, Frequency);
        ep.CountTimeline(25L * 3600 * 1000, Frequency); // a packet a day and an hour later
        ep.CountTimeline((25L * 3600 * 1000) + 20, Frequency);
        int[] t = ep.Timeline();
        Assert.Equal(1, t[0]);
        Assert.Equal(1, t.Sum());
    }
}
