using System.Net;
using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transport;
using Xunit;

namespace Anchor.Sip.Tests.Transport;

public class SipTraceTests
{
    private static readonly SipEndPoint Phone = new(TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5070));

    private static byte[] Invite(string callId, string to = "<sip:102@pbx.test>") => Encoding.ASCII.GetBytes(
        $"INVITE sip:102@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:101@pbx.test>;tag=a\r\nTo: {to}\r\n" +
        $"i:  {callId} \r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");

    [Fact]
    public void The_call_id_is_found_by_its_full_or_compact_name_in_any_case_and_only_in_the_headers()
    {
        byte[] compact = Invite("abc@host");
        Assert.Equal("abc@host", Encoding.ASCII.GetString(compact[SipTrace.FindCallId(compact)!.Value]));
        byte[] full = Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nCALL-id:\txyz\r\n\r\nCall-ID: body\r\n");
        Assert.Equal("xyz", Encoding.ASCII.GetString(full[SipTrace.FindCallId(full)!.Value]));
        Assert.Null(SipTrace.FindCallId(Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nVia: x\r\n\r\nCall-ID: in the body\r\n")));
    }

    [Fact]
    public void A_dialog_is_traced_from_its_initial_invite_and_the_oldest_goes_first()
    {
        var trace = new SipTrace(maxDialogs: 2);
        trace.OnSent(Encoding.ASCII.GetBytes("OPTIONS sip:x SIP/2.0\r\nCall-ID: ka\r\n\r\n"), Phone); // no dialog traced: nothing kept
        Assert.Equal(0, trace.Dialogs);
        trace.OnSent(Invite("c1"), Phone);
        trace.OnSent(Invite("c1", "<sip:102@pbx.test>;tag=b"), Phone); // a re-INVITE of c1: kept with it
        trace.OnSent(Invite("reinvite-only", "<sip:102@pbx.test>;tag=b"), Phone); // a re-INVITE of nothing traced: not a start
        SipParseResult ok = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:101@pbx.test>;tag=a\r\nTo: <sip:102@pbx.test>;tag=b\r\n" +
            "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"));
        trace.OnReceived(ok.Message!, new ReceivedFrom(Phone.EndPoint, TransportKind.Udp, Phone.EndPoint));
        Assert.Equal(["INVITE sip:102@pbx.test SIP/2.0", "INVITE sip:102@pbx.test SIP/2.0", "SIP/2.0 200 OK"], trace.For("c1").Select(e => e.FirstLine));
        Assert.Equal([true, true, false], trace.For("c1").Select(e => e.Outgoing));
        Assert.Empty(trace.For("reinvite-only"));

        trace.OnSent(Invite("c2"), Phone);
        trace.OnSent(Invite("c3"), Phone);
        Assert.Equal(2, trace.Dialogs);
        Assert.Empty(trace.For("c1"));
        Assert.Single(trace.For("c3"));
    }
}
