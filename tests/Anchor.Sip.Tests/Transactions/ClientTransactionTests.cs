using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using static Anchor.Sip.Tests.Transactions.TransactionHarness;

namespace Anchor.Sip.Tests.Transactions;

public class ClientTransactionTests
{
    private static readonly SipEndPoint Dest = new(TransportKind.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.20"), 5070));

    [Fact]
    public void Non_invite_retransmits_with_timer_e_capped_at_t2_and_times_out_with_timer_f()
    {
        using var h = new TransactionHarness();
        ClientTransaction tx = h.Layer.SendRequest(OutgoingRequest("OPTIONS"), Dest, h);
        Assert.Single(h.TakeSent());
        h.Advance(TimeSpan.FromSeconds(33));
        double[] at = h.TakeSent().Select(s => Math.Round(s.At.TotalSeconds, 1)).ToArray();
        Assert.Equal([0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5], at);
        Assert.Equal(ClientTransactionError.Timeout, Assert.Single(h.Failures));
        Assert.Equal(ClientTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public void Non_invite_final_response_goes_up_once_then_timer_k()
    {
        using var h = new TransactionHarness();
        ClientTransaction tx = h.Layer.SendRequest(OutgoingRequest("OPTIONS"), Dest, h);
        h.Layer.OnMessage(Parse(Response(200, "OK", method: "OPTIONS")), default);
        h.Layer.OnMessage(Parse(Response(200, "OK", method: "OPTIONS")), default);
        Assert.Single(h.Responses);
        Assert.Equal(ClientTransactionState.Completed, tx.State);
        h.Advance(TimeSpan.FromSeconds(5.1));
        Assert.Equal(ClientTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Invite_retransmits_with_timer_a_doubling_until_a_provisional()
    {
        using var h = new TransactionHarness();
        h.Layer.SendRequest(OutgoingRequest("INVITE"), Dest, h);
        h.Advance(TimeSpan.FromSeconds(4));
        double[] at = h.TakeSent().Select(s => Math.Round(s.At.TotalSeconds, 1)).ToArray();
        Assert.Equal([0, 0.5, 1.5, 3.5], at);
        h.Layer.OnMessage(Parse(Response(180, "Ringing")), default);
        h.Advance(TimeSpan.FromSeconds(60));
        Assert.Empty(h.TakeSent());
        Assert.Empty(h.Failures); // Timer B does not run in Proceeding: Timer C is the TU's
    }

    [Fact]
    public void Invite_error_is_acked_hop_by_hop_and_retransmissions_are_absorbed()
    {
        using var h = new TransactionHarness();
        ClientTransaction tx = h.Layer.SendRequest(OutgoingRequest("INVITE"), Dest, h);
        h.TakeSent();
        h.Layer.OnMessage(Parse(Response(486, "Busy Here")), default);
        SipMessage ack = Assert.Single(h.TakeSent()).Message;
        Assert.Equal(SipMethod.Ack, ack.Method);
        Assert.Equal("sip:102@192.0.2.20:5070", Encoding.ASCII.GetString(ack[ack.RequestUriSegment]));
        Assert.Equal("z9hG4bKout1", Encoding.ASCII.GetString(ack.TopVia.Branch));
        Assert.Equal("t9", Encoding.ASCII.GetString(ack.To.Tag));
        Assert.Equal(1u, ack.CSeq);
        Assert.Equal(SipMethod.Ack, ack.CSeqMethod);
        Assert.Equal(1, ack.Count(HeaderKind.Route));

        h.Layer.OnMessage(Parse(Response(486, "Busy Here")), default);
        Assert.Equal(SipMethod.Ack, Assert.Single(h.TakeSent()).Message.Method);
        Assert.Single(h.Responses);

        h.Advance(TimeSpan.FromSeconds(32.1)); // Timer D
        Assert.Equal(ClientTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Invite_2xx_goes_up_each_time_in_accepted_until_timer_m()
    {
        using var h = new TransactionHarness();
        ClientTransaction tx = h.Layer.SendRequest(OutgoingRequest("INVITE"), Dest, h);
        h.Layer.OnMessage(Parse(Response(200, "OK")), default);
        h.Layer.OnMessage(Parse(Response(200, "OK", toTag: "other-fork")), default);
        Assert.Equal(2, h.Responses.Count);
        Assert.Equal(ClientTransactionState.Accepted, tx.State);
        h.TakeSent();
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(h.TakeSent()); // no ACK from the transaction for 2xx: that is the TU's
        h.Advance(TimeSpan.FromSeconds(22.1));
        Assert.Equal(ClientTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Invite_without_answer_times_out_with_timer_b()
    {
        using var h = new TransactionHarness();
        h.Layer.SendRequest(OutgoingRequest("INVITE"), Dest, h);
        h.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Empty(h.Failures);
        h.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(ClientTransactionError.Timeout, Assert.Single(h.Failures));
    }

    [Fact]
    public void Transport_error_is_reported()
    {
        using var h = new TransactionHarness { FailSends = true };
        ClientTransaction tx = h.Layer.SendRequest(OutgoingRequest("OPTIONS"), Dest, h);
        Assert.Equal(ClientTransactionError.TransportError, Assert.Single(h.Failures));
        Assert.Equal(ClientTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Cancel_is_built_from_the_invite_with_the_same_branch()
    {
        SipMessage invite = Parse(Samples.Bytes(Encoding.ASCII.GetString(OutgoingRequest("INVITE"))));
        SipMessage cancel = Parse(SipRequestFactory.Cancel(invite));
        Assert.Equal(SipMethod.Cancel, cancel.Method);
        Assert.Equal(Encoding.ASCII.GetString(invite.TopVia.Branch), Encoding.ASCII.GetString(cancel.TopVia.Branch));
        Assert.Equal(invite.CSeq, cancel.CSeq);
        Assert.Equal(SipMethod.Cancel, cancel.CSeqMethod);
        Assert.Equal(invite.CallIdString, cancel.CallIdString);
    }

    private static SipMessage Parse(string s) => Parse(Samples.Bytes(s));

    private static SipMessage Parse(byte[] b) => Anchor.Sip.Parsing.SipParser.ParseDatagram(b).Message!;
}
