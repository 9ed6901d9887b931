using System.Text;

namespace Anchor.Benchmarks;

/// <summary>What a desk phone sends: an INVITE with SDP and a REGISTER with credentials (Polycom/Yealink-like header sets).</summary>
internal static class Messages
{
    private const string Sdp =
        "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
        "m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\na=ptime:20\r\n";

    public static readonly byte[] Invite = Encoding.ASCII.GetBytes(
        "INVITE sip:102@pbx.test SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "Route: <sip:pbx.test;lr>\r\n" +
        "From: \"Alice\" <sip:101@pbx.test>;tag=1928301774\r\n" +
        "To: <sip:102@pbx.test>\r\n" +
        "Call-ID: a84b4c76e66710@192.0.2.10\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:101@192.0.2.10:5062;transport=udp>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE\r\n" +
        "Supported: replaces, timer, 100rel\r\n" +
        "User-Agent: Desk Phone 5.2\r\n" +
        "Proxy-Authorization: Digest username=\"101\", realm=\"pbx.test\", nonce=\"AAABjK3xYz\", uri=\"sip:102@pbx.test\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"3f4e5d\"\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length: {Sdp.Length}\r\n\r\n" + Sdp);

    public static readonly byte[] Register = Encoding.ASCII.GetBytes(
        "REGISTER sip:pbx.test SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKnashds7;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:101@pbx.test>;tag=456248\r\n" +
        "To: <sip:101@pbx.test>\r\n" +
        "Call-ID: 843817637684230@998sdasdh09\r\n" +
        "CSeq: 1826 REGISTER\r\n" +
        "Contact: <sip:101@192.0.2.10:5062>;expires=3600;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1\r\n" +
        "Authorization: Digest username=\"101\", realm=\"pbx.test\", nonce=\"AAABjK3xYz\", uri=\"sip:pbx.test\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"xyz\"\r\n" +
        "Expires: 3600\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n" +
        "User-Agent: Desk Phone 5.2\r\n" +
        "Content-Length: 0\r\n\r\n");
}
