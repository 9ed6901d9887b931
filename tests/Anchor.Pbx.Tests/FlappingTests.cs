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
    public void Three_moves_or_drops_in_ten_minutes_are_and_they_age_out()
    {
        var clock = new FakeTimeProvider();
        var f = new Flapping(clock);
        f.OnMoved(At("102", 40001)); // the NAT gave it another port
        f.OnDropped(At("102", 40001), "no answer to keep-alive OPTIONS");
        Assert.Empty(f.Now());
        f.OnMoved(At("102", 40003));
        Assert.Equal([("102", 3)], f.Now());

        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Empty(f.Now());
    }

    [Fact]
    public void The_registrar_says_moved_only_when_a_registered_contact_comes_from_another_address()
    {
        using var pbx = new PbxHarness();
        var moved = new System.Collections.Concurrent.ConcurrentQueue<Binding>();
        pbx.Registrar.Moved += moved.Enqueue;
        var client = new Anchor.Sip.Auth.DigestClient("101", PbxHarness.Passwords["101"]);
        int cseq = 0;
        void Register(int port)
        {
            var from = new IPEndPoint(IPAddress.Parse("203.0.113.7"), port);
            string Request(string? authorization)
            {
                int n = ++cseq; // each request its own branch and a growing CSeq
                return $"REGISTER sip:pbx.test SIP/2.0\nVia: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-m{n};rport\nMax-Forwards: 70\n" +
                    $"From: <sip:101@pbx.test>;tag=m1\nTo: <sip:101@pbx.test>\nCall-ID: moved-1\nCSeq: {n} REGISTER\n" +
                    $"Contact: <sip:101@192.168.1.20:5060>\nExpires: 3600\n{(authorization is null ? "" : $"Authorization: {authorization}\n")}Content-Length: 0\n\n";
            }

            pbx.Receive(Request(null), from);
            SipMessage challenge = Assert.Single(pbx.TakeSent(), s => s.Message.StatusCode == 401).Message;
            pbx.Receive(Request(client.Answer(challenge, "REGISTER", "sip:pbx.test")!.Value.Value), from);
            // The 200 leaves once the binding is committed, from the location service's writer.
            Assert.True(SpinWait.SpinUntil(() => pbx.TakeSent().Any(s => s.Message.StatusCode == 200), TimeSpan.FromSeconds(5)));
        }

        Register(40000); // new
        Register(40000); // a refresh from the same address
        Assert.Empty(moved);
        Register(40001); // the NAT gave it another port
        SpinWait.SpinUntil(() => !moved.IsEmpty, TimeSpan.FromSeconds(2)); // raised once the binding is committed
        Assert.Equal(40001, Assert.Single(moved).Source.EndPoint.Port);
    }
}
