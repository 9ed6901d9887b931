using System.Net;
using Anchor.Pbx.Location;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Pbx.Tests;

/// <summary>The dashboard's "phone flapping": three drops or moves of one extension within ten minutes.</summary>
public class FlappingTests
{
    private static Binding At(string aor, int port) =>
        new(aor, $"sip:{aor}@192.168.1.20:5060", DateTimeOffset.MaxValue, "c", 1, new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.7"), port)), 1000, null, null);

    [Fact]
    public void Refreshes_from_the_same_address_are_not_flapping()
    {
        var f = new Flapping(new FakeTimeProvider());
        for (int i = 0; i < 10; i++)
        {
            f.OnRegistered(At("101", 40000));
        }

        Assert.Empty(f.Now());
    }

    [Fact]
    public void Three_moves_or_drops_in_ten_minutes_are_and_they_age_out()
    {
        var clock = new FakeTimeProvider();
        var f = new Flapping(clock);
        f.OnRegistered(At("102", 40000));
        f.OnRegistered(At("102", 40001)); // the NAT gave it another port
        f.OnDropped(At("102", 40001), "no answer to keep-alive OPTIONS");
        Assert.Empty(f.Now());
        f.OnRegistered(At("102", 40002)); // back, after a drop: not a move (its last source was forgotten)
        f.OnRegistered(At("102", 40003));
        Assert.Equal([("102", 3)], f.Now());

        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Empty(f.Now());
    }
}
