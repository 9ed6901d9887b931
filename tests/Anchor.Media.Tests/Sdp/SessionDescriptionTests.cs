using System.Net;
using System.Text;
using Anchor.Media.Sdp;
using Xunit;

namespace Anchor.Media.Tests.Sdp;

public sealed class SessionDescriptionTests
{
    private const string Offer =
        "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.168.1.20\r\ns=-\r\nc=IN IP4 192.168.1.20\r\nt=0 0\r\n" +
        "m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n" +
        "m=video 51372 RTP/AVP 96\r\nc=IN IP4 192.168.1.21\r\na=rtcp:51380\r\na=rtpmap:96 H264/90000\r\na=sendonly\r\n";

    [Fact]
    public void Reads_addresses_ports_rtcp_direction_and_clock()
    {
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(Offer), out SessionDescription? sdp, out string? error), error);
        Assert.Equal(2, sdp!.Streams.Count);
        MediaStream audio = sdp.Streams[0];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.1.20"), 49170), audio.RtpEndPoint);
        Assert.Equal(49171, audio.RtcpPort);
        Assert.Equal(MediaDirection.SendRecv, audio.Direction);
        Assert.Equal(8000, audio.ClockRate);
        MediaStream video = sdp.Streams[1];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.1.21"), 51372), video.RtpEndPoint);
        Assert.Equal(51380, video.RtcpPort);
        Assert.Equal(MediaDirection.SendOnly, video.Direction);
        Assert.Equal(90000, video.ClockRate);
        Assert.True(video.Sends);
    }

    [Fact]
    public void Rewrite_points_every_stream_at_the_relay_and_keeps_codecs_and_attributes()
    {
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(Offer), out SessionDescription? sdp, out _));
        string rewritten = Encoding.UTF8.GetString(sdp!.Rewrite(IPAddress.Parse("203.0.113.5"), [20000, 20002]));
        Assert.DoesNotContain("192.168.1.", rewritten, StringComparison.Ordinal);
        Assert.Contains("o=alice 2890844526 2890844526 IN IP4 203.0.113.5\r\n", rewritten, StringComparison.Ordinal);
        Assert.Contains("m=audio 20000 RTP/AVP 0 8 101\r\nc=IN IP4 203.0.113.5\r\na=rtcp:20001\r\n", rewritten, StringComparison.Ordinal);
        Assert.Contains("m=video 20002 RTP/AVP 96\r\nc=IN IP4 203.0.113.5\r\na=rtcp:20003\r\n", rewritten, StringComparison.Ordinal);
        foreach (string kept in new[] { "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv", "a=sendonly", "a=rtpmap:96 H264/90000" })
        {
            Assert.Contains(kept + "\r\n", rewritten, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("a=rtcp:51380", rewritten, StringComparison.Ordinal);

        // The result parses to what it says.
        Assert.True(SessionDescription.TryParse(Encoding.UTF8.GetBytes(rewritten), out SessionDescription? again, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.5"), 20002), again!.Streams[1].RtpEndPoint);
        Assert.Equal(20003, again.Streams[1].RtcpPort);
    }

    [Fact]
    public void Hold_disabled_streams_ipv6_and_ice()
    {
        const string held = "v=0\r\no=- 1 2 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\na=inactive\r\n" +
            "m=audio 4000 RTP/AVP 0\r\na=candidate:1 1 UDP 2130706431 2001:db8::1 4000 typ host\r\na=ice-ufrag:abc\r\na=rtcp-mux\r\n" +
            "m=video 0 RTP/AVP 96\r\n";
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(held), out SessionDescription? sdp, out string? error), error);
        Assert.Equal(MediaDirection.Inactive, sdp!.Streams[0].Direction); // session-level attribute applies
        Assert.False(sdp.Streams[0].Sends);
        Assert.True(sdp.Streams[1].Disabled);
        string rewritten = Encoding.UTF8.GetString(sdp.Rewrite(IPAddress.Parse("2001:db8::99"), [30000, 0]));
        Assert.Contains("m=audio 30000 RTP/AVP 0\r\nc=IN IP6 2001:db8::99\r\na=rtcp:30001\r\n", rewritten, StringComparison.Ordinal);
        Assert.Contains("m=video 0 RTP/AVP 96\r\n", rewritten, StringComparison.Ordinal);
        Assert.DoesNotContain("candidate", rewritten, StringComparison.Ordinal);
        Assert.DoesNotContain("ice-ufrag", rewritten, StringComparison.Ordinal);
        Assert.DoesNotContain("rtcp-mux", rewritten, StringComparison.Ordinal);
        Assert.Contains("a=inactive\r\n", rewritten, StringComparison.Ordinal);

        const string old = "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(old), out sdp, out _));
        Assert.True(sdp!.Streams[0].NullAddress);
        Assert.Contains("c=IN IP4 0.0.0.0\r\n", Encoding.UTF8.GetString(sdp.Rewrite(IPAddress.Loopback, [30000])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "v=0")]
    [InlineData("v=0\r\nbogus\r\n", "type=value")]
    [InlineData("v=0\r\nc=IN IP4 nothere\r\n", "connection")]
    [InlineData("v=0\r\nc=IN IP6 10.0.0.1\r\n", "connection")]
    [InlineData("v=0\r\nm=audio 99999 RTP/AVP 0\r\nc=IN IP4 10.0.0.1\r\n", "media line")]
    [InlineData("v=0\r\nm=audio x RTP/AVP 0\r\n", "media line")]
    [InlineData("v=0\r\nm=audio 4000 RTP/AVP 0\r\n", "no connection address")]
    [InlineData("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:-1\r\n", "a=rtcp")]
    public void Bad_bodies_say_why(string body, string expected)
    {
        Assert.False(SessionDescription.TryParse(Encoding.ASCII.GetBytes(body), out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
