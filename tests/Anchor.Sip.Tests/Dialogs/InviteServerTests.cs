using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Tests.Transactions;
using static Anchor.Sip.Tests.Transactions.TransactionHarness;

namespace Anchor.Sip.Tests.Dialogs;

/// <summary>RFC 3261 §13.3.1.4: the UAS core's 2xx retransmissions, on the fake clock.</summary>
public class InviteServerTests
{
    private static (TransactionHarness H, InviteServer Server, List<InviteServer> TimedOut) Start()
    {
        var h = new TransactionHarness();
        h.Receive(Request("INVITE"));
        var timedOut = new List<InviteServer>();
        var server = new InviteServer(h.Requests[0], h.Layer, timedOut.Add);
        h.TakeSent(); // the 100 Trying
        return (h, server, timedOut);
    }

    [Fact]
    public void A_2xx_is_retransmitted_t1_doubling_to_t2_until_the_ack()
    {
        (TransactionHarness h, InviteServer server, List<InviteServer> timedOut) = Start();
        using (h)
        {
            server.Respond(200, SipResponseBuilder.Build(server.Request, 200, "OK", server.Transaction.From, "uas"));
            h.Advance(TimeSpan.FromSeconds(12));
            double[] at = h.TakeSent().Select(s => Math.Round(s.At.TotalSeconds, 1)).ToArray();
            Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5], at);
            h.Receive(Request("ACK", branch: "z9hG4bKack1", toTag: "uas", cseqMethod: "ACK"));
            Assert.True(server.OnAck(h.Acks.Single()));
            h.Advance(TimeSpan.FromSeconds(30));
            Assert.Empty(h.TakeSent());
            Assert.Empty(timedOut);
        }
    }

    [Fact]
    public void No_ack_within_64_t1_is_reported()
    {
        (TransactionHarness h, InviteServer server, List<InviteServer> timedOut) = Start();
        using (h)
        {
            server.Respond(200, SipResponseBuilder.Build(server.Request, 200, "OK", server.Transaction.From, "uas"));
            h.Advance(TimeSpan.FromSeconds(31));
            Assert.Empty(timedOut);
            h.Advance(TimeSpan.FromSeconds(1.5));
            Assert.Same(server, Assert.Single(timedOut));
            Assert.False(server.AwaitingAck);
        }
    }

    [Fact]
    public void An_ack_of_another_cseq_does_not_stop_it()
    {
        (TransactionHarness h, InviteServer server, _) = Start();
        using (h)
        {
            server.Respond(200, SipResponseBuilder.Build(server.Request, 200, "OK", server.Transaction.From, "uas"));
            h.Receive(Request("ACK", branch: "z9hG4bKack2", toTag: "uas", cseq: 7, cseqMethod: "ACK"));
            Assert.False(server.OnAck(h.Acks.Single()));
            Assert.True(server.AwaitingAck);
        }
    }
}
