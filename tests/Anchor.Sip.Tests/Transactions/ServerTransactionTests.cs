using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using static Anchor.Sip.Tests.Transactions.TransactionHarness;

namespace Anchor.Sip.Tests.Transactions;

public class ServerTransactionTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void A_full_transaction_table_answers_503_statelessly_and_keeps_nothing()
    {
        using var h = new TransactionHarness(maxServerTransactions: 2);
        h.Receive(Request("OPTIONS", branch: "z9hG4bK1"));
        h.Receive(Request("OPTIONS", branch: "z9hG4bK2"));
        h.Receive(Request("OPTIONS", branch: "z9hG4bK3"));
        Assert.Equal(2, h.Requests.Count); // the third never reached the TU
        Assert.Equal(2, h.Layer.ServerTransactionCount);
        var busy = Assert.Single(h.TakeSent());
        Assert.Equal(503, busy.Message.StatusCode);
        Assert.True(busy.Message.TryGetHeader("Retry-After"u8, out _));
        Assert.Equal(1, h.Layer.OverloadCount);

        // Once the table drains, requests are served again.
        h.Requests.ForEach(t => t.Respond(200, "OK"));
        h.Advance(TimeSpan.FromSeconds(33));
        h.Receive(Request("OPTIONS", branch: "z9hG4bK4"));
        Assert.Equal(3, h.Requests.Count);
    }

    [Fact]
    public void Non_invite_retransmission_is_absorbed_and_answered_from_the_transaction()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("OPTIONS"));
        ServerTransaction tx = Assert.Single(h.Requests);
        Assert.Equal(ServerTransactionState.Trying, tx.State);

        h.Receive(Request("OPTIONS")); // retransmission before any answer: absorbed, not passed up
        Assert.Single(h.Requests);
        Assert.Empty(h.TakeSent());

        tx.Respond(200, "OK");
        Assert.Equal(ServerTransactionState.Completed, tx.State);
        var first = Assert.Single(h.TakeSent());
        Assert.Equal(200, first.Message.StatusCode);
        Assert.Equal(5062, first.To.EndPoint.Port); // rport: back to the source port

        h.Receive(Request("OPTIONS"));
        Assert.Equal(200, Assert.Single(h.TakeSent()).Message.StatusCode);

        // Timer J = 64*T1 on UDP: kept as its response alone (out of the live table), then gone.
        Assert.Equal(0, h.Layer.ServerTransactionCount);
        Assert.Equal(1, h.Layer.LingeringCount);
        h.Advance(TimeSpan.FromSeconds(31.9));
        h.Receive(Request("OPTIONS"));
        Assert.Equal(200, Assert.Single(h.TakeSent()).Message.StatusCode);
        Assert.Single(h.Requests);
        h.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(0, h.Layer.LingeringCount);
        h.Receive(Request("OPTIONS")); // after Timer J: a new request
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public void Answered_non_invites_never_fill_the_table_of_live_transactions()
    {
        using var h = new TransactionHarness(maxServerTransactions: 2);
        for (int i = 0; i < 10; i++)
        {
            h.Receive(Request("OPTIONS", branch: $"z9hG4bKfill{i}"));
            h.Requests[^1].Respond(200, "OK");
        }

        Assert.Equal(10, h.Requests.Count); // none refused 503: answered ones linger apart
        Assert.Equal(10, h.Layer.LingeringCount);
        Assert.True(h.TakeSent().All(s => s.Message.StatusCode == 200));
    }

    [Fact]
    public void Non_invite_over_tcp_terminates_at_once_timer_j_is_zero()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("OPTIONS", via: "SIP/2.0/TCP 192.0.2.10:5062"), TransportKind.Tcp);
        ServerTransaction tx = Assert.Single(h.Requests);
        tx.Respond(200, "OK");
        Assert.Equal(TransportKind.Tcp, Assert.Single(h.TakeSent()).To.Transport);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public void Invite_gets_100_then_final_error_retransmitted_with_timer_g_until_ack()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("INVITE"));
        ServerTransaction tx = Assert.Single(h.Requests);
        Assert.Equal(100, Assert.Single(h.TakeSent()).Message.StatusCode);

        h.Receive(Request("INVITE"));
        Assert.Equal(100, Assert.Single(h.TakeSent()).Message.StatusCode); // last provisional resent

        tx.Respond(486, "Busy Here");
        var busy = Assert.Single(h.TakeSent());
        Assert.Equal(tx.ToTag, Encoding.ASCII.GetString(busy.Message.To.Tag));

        // Timer G: T1, 2T1, 4T1, then capped at T2.
        h.Advance(TimeSpan.FromSeconds(12));
        var retransmits = h.TakeSent();
        Assert.Equal([0.5, 1.5, 3.5, 7.5, 11.5], retransmits.Select(s => Math.Round(s.At.TotalSeconds, 1)).ToArray());

        h.Receive(Request("ACK", toTag: tx.ToTag));
        Assert.Equal(ServerTransactionState.Confirmed, tx.State);
        Assert.Empty(h.Acks); // hop-by-hop ACK never reaches the TU
        h.Advance(TimeSpan.FromSeconds(8));
        Assert.Empty(h.TakeSent()); // retransmissions stopped
        Assert.Equal(ServerTransactionState.Terminated, tx.State); // Timer I = T4
    }

    [Fact]
    public void Invite_error_without_ack_ends_at_timer_h()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("INVITE"));
        ServerTransaction tx = Assert.Single(h.Requests);
        tx.Respond(404, "Not Found");
        h.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Equal(ServerTransactionState.Completed, tx.State);
        h.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(ServerTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public void Invite_2xx_enters_accepted_absorbs_invite_and_passes_ack_up()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("INVITE"));
        ServerTransaction tx = Assert.Single(h.Requests);
        h.TakeSent();
        tx.Respond(200, "OK");
        Assert.Equal(ServerTransactionState.Accepted, tx.State);
        Assert.Single(h.TakeSent());

        h.Receive(Request("INVITE"));
        Assert.Empty(h.TakeSent()); // RFC 6026: absorbed, 2xx retransmission is the TU's job
        Assert.Single(h.Requests);

        h.Receive(Request("ACK", branch: "z9hG4bKack2", toTag: tx.ToTag));
        Assert.Single(h.Acks);

        h.Advance(TimeSpan.FromSeconds(32.1)); // Timer L
        Assert.Equal(ServerTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Cancel_matches_the_invite_gets_200_and_the_tu_is_told()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("INVITE"));
        ServerTransaction invite = Assert.Single(h.Requests);
        h.TakeSent();

        h.Receive(Request("CANCEL"));
        Assert.Equal(200, Assert.Single(h.TakeSent()).Message.StatusCode);
        Assert.Same(invite, Assert.Single(h.Cancelled));
        invite.Respond(487, "Request Terminated");
        Assert.Equal(487, Assert.Single(h.TakeSent()).Message.StatusCode);
    }

    [Fact]
    public void Cancel_for_no_transaction_gets_481()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("CANCEL", branch: "z9hG4bKnothing"));
        Assert.Equal(481, Assert.Single(h.TakeSent()).Message.StatusCode);
        Assert.Empty(h.Cancelled);
    }

    [Fact]
    public void Merged_request_is_flagged()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("INVITE", branch: "z9hG4bKpath1"));
        h.Receive(Request("INVITE", branch: "z9hG4bKpath2"));
        Assert.Equal(2, h.Requests.Count);
        Assert.False(h.Requests[0].IsMergedRequest);
        Assert.True(h.Requests[1].IsMergedRequest);
    }

    [Fact]
    public void Rfc2543_transactions_without_magic_cookie_match_retransmissions_and_ack()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("INVITE", branch: "old1"));
        ServerTransaction tx = Assert.Single(h.Requests);
        h.TakeSent();
        tx.Respond(480, "Temporarily Unavailable");
        h.TakeSent();
        h.Receive(Request("INVITE", branch: "old1"));
        Assert.Equal(480, Assert.Single(h.TakeSent()).Message.StatusCode);
        h.Receive(Request("ACK", branch: "old1", toTag: tx.ToTag));
        Assert.Equal(ServerTransactionState.Confirmed, tx.State);
    }

    [Fact]
    public void Transport_error_terminates_the_transaction()
    {
        using var h = new TransactionHarness();
        h.Receive(Request("OPTIONS"));
        ServerTransaction tx = Assert.Single(h.Requests);
        h.FailSends = true;
        tx.Respond(200, "OK");
        Assert.Equal(ServerTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public void Response_goes_to_via_port_without_rport()
    {
        SipMessage m = Anchor.Sip.Parsing.SipParser.ParseDatagram(Samples.Bytes(Request("OPTIONS").Replace(";rport", "", StringComparison.Ordinal))).Message!;
        var from = new ReceivedFrom(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("203.0.113.9"), 40000), TransportKind.Udp, Local);
        SipEndPoint d = TransactionLayer.ResponseDestination(m, from);
        Assert.Equal("203.0.113.9:5062", d.EndPoint.ToString());
    }
}
