using System.Net;
using System.Text;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Tests.Calls;

/// <summary>The Dial application end to end on the harness: a phone calls out through the trunk, the ITSP calls a DID.</summary>
public class DialFlowTests
{
    private static readonly IPEndPoint Phone = new(IPAddress.Parse("192.0.2.11"), 5062);

    private static SipMessage Single(List<(SipMessage Message, Anchor.Sip.Transport.SipEndPoint To)> sent, Func<SipMessage, bool> which) =>
        Assert.Single(sent, s => which(s.Message)).Message;

    private static bool Is(SipMessage m, SipMethod method) => m.IsRequest && m.Method == method;

    [Fact]
    public void Outbound_call_rings_answers_and_hangs_up_through_the_trunk()
    {
        using var h = new PbxHarness();
        var sent = h.Invite("101", "914085551212", Phone, "out1", PbxHarness.Sdp("192.0.2.11", 4000));
        SipMessage invite = Single(sent, m => Is(m, SipMethod.Invite));
        Assert.Equal("sip:14085551212@itsp.test", Encoding.ASCII.GetString(invite[invite.RequestUriSegment]));
        Assert.Contains(sent, s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(PbxHarness.Itsp));
        Assert.Contains("<sip:anchor1@itsp.test>", invite.GetHeaderString("From"), StringComparison.Ordinal);
        Assert.Equal($"<sip:{PbxHarness.Did}@itsp.test>", invite.GetHeaderString("P-Asserted-Identity"));
        Assert.Contains("c=IN IP4 192.0.2.11", Encoding.ASCII.GetString(invite.BodySpan), StringComparison.Ordinal); // direct media: the SDP as sent

        h.Receive(PbxHarness.ResponseTo(invite, 180, "Ringing", "itsp1", "sip:x@192.0.2.50"), PbxHarness.Itsp);
        SipMessage ringing = Single(h.TakeSent(), m => m.StatusCode == 180);
        Assert.Equal("out1", ringing.CallIdString);

        h.Receive(PbxHarness.ResponseTo(invite, 200, "OK", "itsp1", "sip:x@192.0.2.50", PbxHarness.Sdp("198.51.100.9", 30000)), PbxHarness.Itsp);
        SipMessage ok = Single(h.TakeSent(), m => m.StatusCode == 200);
        Assert.Contains("198.51.100.9", Encoding.ASCII.GetString(ok.BodySpan), StringComparison.Ordinal);

        // The phone's ACK goes on to the ITSP; then the phone hangs up: 200 to it, BYE to the ITSP.
        h.Receive(PbxHarness.InDialog("ACK", "sip:914085551212@127.0.0.1:5060", ok, anchorIsCaller: false, Phone, 2), Phone);
        Assert.Contains(h.TakeSent(), s => Is(s.Message, SipMethod.Ack) && s.To.EndPoint.Equals(PbxHarness.Itsp));
        h.Receive(PbxHarness.InDialog("BYE", "sip:914085551212@127.0.0.1:5060", ok, anchorIsCaller: false, Phone, 3), Phone);
        var bye = h.TakeSent();
        Assert.Contains(bye, s => s.Message.StatusCode == 200 && s.Message.CSeqMethod == SipMethod.Bye);
        Assert.Contains(bye, s => Is(s.Message, SipMethod.Bye) && s.To.EndPoint.Equals(PbxHarness.Itsp));
        Assert.Equal(0, h.Trunk.ActiveCalls);
        Assert.Equal(0, h.Calls.ActiveCalls);
        Assert.Contains(h.Log, l => l.Contains("ended (BYE from the caller)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(500, 503)] // the ITSP's trouble is the phone's 503
    [InlineData(486, 486)] // a busy party is busy
    [InlineData(403, 403)]
    public void Trunk_failures_are_mapped_for_the_phone(int itsp, int phone)
    {
        using var h = new PbxHarness();
        var sent = h.Invite("101", "914085551212", Phone, "out2");
        SipMessage invite = Single(sent, m => Is(m, SipMethod.Invite));
        h.Receive(PbxHarness.ResponseTo(invite, itsp, "X", "itsp2", "sip:x@192.0.2.50"), PbxHarness.Itsp);
        Assert.Equal(phone, Single(h.TakeSent(), m => m.IsResponse && m.StatusCode >= 300).StatusCode);
        Assert.Equal(0, h.Trunk.ActiveCalls);
    }

    [Fact]
    public void The_phone_cancelling_cancels_the_ringing_trunk_and_gets_487()
    {
        using var h = new PbxHarness();
        var sent = h.Invite("101", "914085551212", Phone, "out3");
        SipMessage invite = Single(sent, m => Is(m, SipMethod.Invite));
        h.Receive(PbxHarness.ResponseTo(invite, 180, "Ringing", "itsp3", "sip:x@192.0.2.50"), PbxHarness.Itsp);
        h.TakeSent();
        h.Receive(PbxHarness.InviteText("101", "914085551212", Phone, "out3", 2, null).Replace("INVITE", "CANCEL", StringComparison.Ordinal)
            .Replace("CSeq: 2 CANCEL", "CSeq: 2 CANCEL", StringComparison.Ordinal), Phone);
        var after = h.TakeSent();
        Assert.Contains(after, s => s.Message.StatusCode == 487);
        Assert.Contains(after, s => Is(s.Message, SipMethod.Cancel) && s.To.EndPoint.Equals(PbxHarness.Itsp));
        Assert.Contains(h.Log, l => l.Contains("ended (cancelled by the caller)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_did_call_rings_the_inbound_extension_and_re_invites_pass_both_ways()
    {
        using var h = new PbxHarness();
        IPEndPoint desk = new(IPAddress.Parse("192.0.2.11"), 5060);
        h.Register("101", desk);
        h.Receive(PbxHarness.InviteText("15559876543", PbxHarness.Did, PbxHarness.Itsp, "in1", 1, null, PbxHarness.Sdp("198.51.100.9", 30000)), PbxHarness.Itsp);
        var sent = h.TakeSent();
        SipMessage toDesk = Single(sent, m => Is(m, SipMethod.Invite));
        Assert.Contains(sent, s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(desk));
        Assert.Equal("sip:101@192.0.2.11:5060", Encoding.ASCII.GetString(toDesk[toDesk.RequestUriSegment]));
        h.Receive(PbxHarness.ResponseTo(toDesk, 200, "OK", "desk1", "sip:101@192.0.2.11:5060", PbxHarness.Sdp("192.0.2.11", 4000)), desk);
        SipMessage ok = Single(h.TakeSent(), m => m.StatusCode == 200);
        h.Receive(PbxHarness.InDialog("ACK", "sip:x@127.0.0.1:5060", ok, anchorIsCaller: false, PbxHarness.Itsp, 1), PbxHarness.Itsp);
        SipMessage ackToDesk = Single(h.TakeSent(), m => Is(m, SipMethod.Ack));

        // The desk phone puts the caller on hold: its re-INVITE reaches the ITSP side, the answer comes back.
        h.Receive(PbxHarness.InDialog("INVITE", "sip:15559876543@127.0.0.1:5060", ackToDesk, anchorIsCaller: true, desk, 2, PbxHarness.Sdp("192.0.2.11", 4000, "sendonly")), desk);
        SipMessage reinvite = Single(h.TakeSent(), m => Is(m, SipMethod.Invite));
        Assert.Contains("a=sendonly", Encoding.ASCII.GetString(reinvite.BodySpan), StringComparison.Ordinal);
        h.Receive(PbxHarness.ResponseTo(reinvite, 200, "OK", "x", "sip:x@192.0.2.50", PbxHarness.Sdp("198.51.100.9", 30000, "recvonly")), PbxHarness.Itsp);
        SipMessage answered = Single(h.TakeSent(), m => m.StatusCode == 200);
        Assert.Contains("a=recvonly", Encoding.ASCII.GetString(answered.BodySpan), StringComparison.Ordinal);

        // A second offer while this one waits for its ACK is glare: 491.
        h.Receive(PbxHarness.InDialog("INVITE", "sip:x@127.0.0.1:5060", ok, anchorIsCaller: false, PbxHarness.Itsp, 2, PbxHarness.Sdp("198.51.100.9", 30000)), PbxHarness.Itsp);
        Assert.Equal(491, Single(h.TakeSent(), m => m.IsResponse && m.StatusCode >= 200).StatusCode);
    }
}
