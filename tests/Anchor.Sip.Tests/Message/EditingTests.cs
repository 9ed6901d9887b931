using System.Net;
using System.Text;
using Anchor.Sip.Editing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Sip.Tests.Message;

public class EditingTests
{
    private static SipMessage Parse(string s) => Parse(Samples.Bytes(s));

    private static SipMessage Parse(byte[] b)
    {
        SipParseResult r = SipParser.ParseDatagram(b);
        Assert.True(r.Status == SipParseStatus.Complete, r.ErrorReason);
        return r.Message!;
    }

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void No_edits_writes_the_message_byte_for_byte()
    {
        byte[] original = Samples.Bytes(Samples.Invite);
        Assert.Equal(original, new MessageEditor(Parse(original)).ToArray());
    }

    [Fact]
    public void Proxy_edits_touch_only_what_they_name()
    {
        SipMessage m = Parse(Samples.Invite);
        byte[] edited = new MessageEditor(m)
            .PushVia("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKproxy1"u8)
            .AddRecordRoute("<sip:127.0.0.1:5060;lr>"u8)
            .RemoveFirstRoute()
            .DecrementMaxForwards()
            .SetRequestUri("sip:102@192.0.2.20:5070"u8)
            .ToArray();

        SipMessage e = Parse(edited);
        Assert.Equal("sip:102@192.0.2.20:5070", Text(e[e.RequestUriSegment].ToArray()));
        Assert.Equal(2, e.ViaCount);
        Assert.Equal("z9hG4bKproxy1", Text(e.TopVia.Branch.ToArray()));
        Assert.Equal(69, e.MaxForwards);
        Assert.Equal(-1, e.IndexOf(HeaderKind.Route));
        Assert.True(e.TryGetHeader(HeaderKind.RecordRoute, out ReadOnlySpan<byte> rr));
        Assert.Equal("<sip:127.0.0.1:5060;lr>", Text(rr.ToArray()));
        Assert.Equal(m.BodySpan.ToArray(), e.BodySpan.ToArray());
        string s = Text(edited);
        Assert.Contains("From: \"Alice\" <sip:101@pbx.test>;tag=1928301774\r\n", s, StringComparison.Ordinal);
        Assert.Contains("User-Agent: Test Phone 1.0\r\n", s, StringComparison.Ordinal);
    }

    [Fact]
    public void Pop_via_then_response_forwarding_keeps_the_next_via()
    {
        byte[] resp = Samples.Bytes(
            "SIP/2.0 180 Ringing\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKproxy1, SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;received=192.0.2.99\r\n" +
            "To: <sip:102@pbx.test>;tag=xyz\r\nFrom: <sip:101@pbx.test>;tag=abc\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        SipMessage e = Parse(new MessageEditor(Parse(resp)).PopVia().ToArray());
        Assert.Equal(1, e.ViaCount);
        Assert.Equal("192.0.2.10", e.TopVia.HostString);
        Assert.Equal("192.0.2.99", Text(e.TopVia.Received.ToArray()));

        byte[] twoLines = Samples.Bytes(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n" +
            "To: <sip:x@y>;tag=1\r\nFrom: <sip:x@y>;tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        SipMessage f = Parse(new MessageEditor(Parse(twoLines)).PopVia().ToArray());
        Assert.Equal("b.example", f.TopVia.HostString);
        Assert.Equal(1, f.ViaCount);
    }

    [Fact]
    public void New_body_fixes_content_length_and_missing_length_is_added()
    {
        SipMessage m = Parse(Samples.Invite);
        byte[] sdp = Samples.Bytes("v=0\r\nc=IN IP4 198.51.100.1\r\nm=audio 20000 RTP/AVP 0\r\n");
        SipMessage e = Parse(new MessageEditor(m).SetBody(sdp).ToArray());
        Assert.Equal(sdp.Length, e.ContentLength);
        Assert.Equal(sdp, e.BodySpan.ToArray());

        byte[] noLength = Samples.Bytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
        SipMessage g = Parse(new MessageEditor(Parse(noLength)).ToArray());
        Assert.Equal(0, g.ContentLength);
    }

    [Fact]
    public void Contact_uri_rewritten_inside_brackets_keeping_params()
    {
        SipMessage m = Parse(Samples.Register);
        SipMessage e = Parse(new MessageEditor(m).SetContactUri("sip:101@203.0.113.5:40000"u8).ToArray());
        Assert.True(e.TryGetContact(out NameAddress c));
        Assert.Equal("sip:101@203.0.113.5:40000", c.Uri.ToString());
        Assert.Equal(3600, c.Expires);
        Assert.True(c.TryGetParameter("reg-id"u8, out _));
    }

    [Fact]
    public void Top_via_stamped_with_received_and_rport()
    {
        SipMessage m = Parse(Samples.Invite);
        var src = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40123);
        SipMessage e = Parse(new MessageEditor(m).StampTopVia(src).ToArray());
        Assert.Equal(40123, e.TopVia.RPort);
        Assert.Equal("203.0.113.7", Text(e.TopVia.Received.ToArray()));
        Assert.Equal("z9hG4bK776asdhds", Text(e.TopVia.Branch.ToArray()));

        // Same host, no rport: nothing to add.
        SipVia v = Parse(Samples.Bytes(Samples.Invite.Replace(";rport", "", StringComparison.Ordinal))).TopVia;
        Assert.False(ViaStamp.Needed(v, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5062)));
    }

    [Fact]
    public void Response_copies_dialog_headers_adds_to_tag_and_stamps_via()
    {
        SipMessage req = Parse(Samples.Invite);
        var from = new ReceivedFrom(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40123), TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
        byte[] resp = SipResponseBuilder.Build(req, 486, "Busy Here", from, toTag: "t0", server: "Anchor");
        SipMessage r = Parse(resp);
        Assert.Equal(486, r.StatusCode);
        Assert.Equal("Busy Here", Text(r.Reason.ToArray()));
        Assert.Equal("t0", Text(r.To.Tag.ToArray()));
        Assert.Equal("1928301774", Text(r.From.Tag.ToArray()));
        Assert.Equal(req.CallIdString, r.CallIdString);
        Assert.Equal(314159u, r.CSeq);
        Assert.Equal(SipMethod.Invite, r.CSeqMethod);
        Assert.Equal(40123, r.TopVia.RPort);
        Assert.Equal("203.0.113.7", Text(r.TopVia.Received.ToArray()));
        Assert.Equal("Anchor", r.GetHeaderString("Server"));
        Assert.Equal(0, r.ContentLength);

        SipMessage trying = Parse(SipResponseBuilder.Build(req, 100, "Trying", from, toTag: "t0"));
        Assert.False(trying.To.HasTag); // §8.2.6.2: no tag on 100
    }
}
