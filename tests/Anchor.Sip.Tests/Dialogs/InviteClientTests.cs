using System.Net;
using System.Text;
using Anchor.Sip.Auth;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Tests.Transactions;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Tests.Dialogs;

/// <summary>The forking UAC on the transaction harness (fake clock, recorded sends).</summary>
public class InviteClientTests : IInviteClientUser
{
    private static readonly SipEndPoint PhoneA = new(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.21"), 5060));
    private static readonly SipEndPoint PhoneB = new(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.22"), 5060));
    private readonly List<string> _events = [];
    private Dialog? _dialog;
    private InviteFailure? _failure;

    void IInviteClientUser.OnProvisional(InviteClient client, InviteClient.Branch branch, SipMessage response) => _events.Add($"{response.StatusCode} {branch.Destination.EndPoint.Address}");

    void IInviteClientUser.OnAnswered(InviteClient client, InviteClient.Branch branch, SipMessage response, Dialog dialog)
    {
        _events.Add($"answered {branch.Destination.EndPoint.Address}");
        _dialog = dialog;
    }

    void IInviteClientUser.OnFailed(InviteClient client, InviteFailure failure)
    {
        _events.Add($"failed {failure.Status}");
        _failure = failure;
    }

    void IInviteClientUser.OnTimerC(InviteClient client, InviteClient.Branch branch) => _events.Add("timer C");

    private static byte[] Build(InviteTarget t, uint cseq, KeyValuePair<string, string>? auth) => Encoding.ASCII.GetBytes(
        $"INVITE {t.RequestUri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch={SipIds.NewBranch()};rport\r\nMax-Forwards: 70\r\n" +
        "From: <sip:101@pbx.test>;tag=ours\r\nTo: <sip:102@pbx.test>\r\nCall-ID: fork-1@pbx.test\r\n" + $"CSeq: {cseq} INVITE\r\n" +
        "Contact: <sip:101@127.0.0.1:5060>\r\n" + (auth is { } a ? $"{a.Key}: {a.Value}\r\n" : "") + "Content-Length: 0\r\n\r\n");

    /// <summary>A response to <paramref name="request"/> as its UAS would write it.</summary>
    private static SipMessage Answer(SipMessage request, int status, string toTag, string extra = "")
    {
        string via = Encoding.ASCII.GetString(request[request.GetHeader(request.IndexOf(HeaderKind.Via)).Value]);
        string host = request.RequestUri.HostString;
        string text = $"SIP/2.0 {status} X\r\nVia: {via}\r\nFrom: <sip:101@pbx.test>;tag=ours\r\nTo: <sip:102@pbx.test>;tag={toTag}\r\n" +
            $"Call-ID: fork-1@pbx.test\r\nCSeq: {request.CSeq} INVITE\r\nContact: <sip:102@{host}:5060>\r\n{extra}Content-Length: 0\r\n\r\n";
        return SipParser.ParseDatagram(Encoding.ASCII.GetBytes(text)).Message!;
    }

    private static List<SipMessage> Sent(TransactionHarness h, string method) =>
        h.TakeSent().Select(s => s.Message).Where(m => m.IsRequest && Encoding.ASCII.GetString(m.MethodBytes) == method).ToList();

    [Fact]
    public void The_first_2xx_wins_the_ringing_loser_is_cancelled_and_a_late_2xx_is_acked_and_hung_up()
    {
        using var h = new TransactionHarness();
        var client = new InviteClient(h.Layer, this, Build, new InviteClientOptions());
        client.Start([new InviteTarget("sip:102@192.0.2.21", PhoneA), new InviteTarget("sip:102@192.0.2.22", PhoneB)]);
        List<SipMessage> invites = Sent(h, "INVITE");
        Assert.Equal(2, invites.Count);
        SipMessage toA = invites.Single(i => i.RequestUri.HostString == "192.0.2.21");
        SipMessage toB = invites.Single(i => i.RequestUri.HostString == "192.0.2.22");

        h.Layer.OnMessage(Answer(toA, 180, "a"), default);
        h.Layer.OnMessage(Answer(toB, 200, "b", "Record-Route: <sip:p2.test;lr>\r\nRecord-Route: <sip:p1.test;lr>\r\n"), default);
        Assert.Equal(["180 192.0.2.21", "answered 192.0.2.22"], _events);
        Assert.Equal("sip:102@192.0.2.22:5060", _dialog!.RemoteTarget);
        Assert.Equal(["<sip:p1.test;lr>", "<sip:p2.test;lr>"], _dialog.RouteSet); // §12.1.2: reversed
        SipMessage cancel = Assert.Single(Sent(h, "CANCEL"));
        Assert.Equal("192.0.2.21", cancel.RequestUri.HostString);

        client.Ack(_dialog.CreateAck(client.CSeq));
        Assert.Single(Sent(h, "ACK"));
        h.Layer.OnMessage(Answer(toB, 200, "b"), default); // the winner's 2xx again: the same ACK again
        Assert.Single(Sent(h, "ACK"));

        h.Layer.OnMessage(Answer(toA, 200, "a"), default); // A answered before the CANCEL reached it
        List<SipMessage> sent = h.TakeSent().Select(s => s.Message).ToList();
        Assert.Contains(sent, m => m.Method == SipMethod.Ack && m.To.Tag.SequenceEqual("a"u8));
        Assert.Contains(sent, m => m.Method == SipMethod.Bye && m.To.Tag.SequenceEqual("a"u8));
        Assert.Equal(2, _events.Count); // nothing more reported
    }

    [Theory]
    [InlineData(486, 404, 486)]
    [InlineData(404, 302, 302)] // §16.7: the lowest class wins (B2BCall used to pick 404 here)
    [InlineData(603, 486, 603)]
    public void All_branches_failing_report_the_best_once(int first, int second, int expected)
    {
        using var h = new TransactionHarness();
        var client = new InviteClient(h.Layer, this, Build, new InviteClientOptions());
        client.Start([new InviteTarget("sip:102@192.0.2.21", PhoneA), new InviteTarget("sip:102@192.0.2.22", PhoneB)]);
        List<SipMessage> invites = Sent(h, "INVITE");
        h.Layer.OnMessage(Answer(invites[0], 180, "a"), default);
        h.Layer.OnMessage(Answer(invites[0], first, "a"), default);
        if (first < 600)
        {
            h.Layer.OnMessage(Answer(invites[1], second, "b"), default);
        }
        else
        {
            Assert.Empty(Sent(h, "CANCEL")); // the other never answered: its CANCEL waits for a provisional
            h.Layer.OnMessage(Answer(invites[1], 100, "b"), default);
            h.Layer.OnMessage(Answer(invites[1], 180, "b"), default);
            Assert.Single(Sent(h, "CANCEL"));
            h.Layer.OnMessage(Answer(invites[1], 487, "b"), default);
        }

        Assert.Equal(expected, _failure!.Status);
        Assert.Equal(1, _events.Count(e => e.StartsWith("failed", StringComparison.Ordinal)));
    }

    [Fact]
    public void Timer_c_cancels_a_branch_that_rings_too_long()
    {
        using var h = new TransactionHarness();
        var client = new InviteClient(h.Layer, this, Build, new InviteClientOptions { TimerC = TimeSpan.FromSeconds(10) });
        client.Start([new InviteTarget("sip:102@192.0.2.21", PhoneA)]);
        SipMessage invite = Assert.Single(Sent(h, "INVITE"));
        h.Advance(TimeSpan.FromSeconds(6));
        h.Layer.OnMessage(Answer(invite, 180, "a"), default); // restarts Timer C
        h.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(Sent(h, "CANCEL"));
        h.Advance(TimeSpan.FromSeconds(1.1));
        Assert.Single(Sent(h, "CANCEL"));
        Assert.Contains("timer C", _events);
        h.Layer.OnMessage(Answer(invite, 487, "a"), default);
        Assert.Equal(487, _failure!.Status);
    }

    [Fact]
    public void Silence_from_the_peer_fails_fast_and_a_late_answer_is_hung_up()
    {
        using var h = new TransactionHarness();
        var client = new InviteClient(h.Layer, this, Build, new InviteClientOptions { NoResponseTimeout = TimeSpan.FromSeconds(5) });
        client.Start([new InviteTarget("sip:102@192.0.2.21", PhoneA)]);
        SipMessage invite = Assert.Single(Sent(h, "INVITE"));
        h.Advance(TimeSpan.FromSeconds(5.1));
        Assert.True(_failure!.NoResponse);
        Assert.Equal(503, _failure.Status);
        h.Layer.OnMessage(Answer(invite, 200, "late"), default);
        List<SipMessage> sent = h.TakeSent().Select(s => s.Message).ToList();
        Assert.Contains(sent, m => m.Method == SipMethod.Ack);
        Assert.Contains(sent, m => m.Method == SipMethod.Bye);
        Assert.DoesNotContain(_events, e => e.StartsWith("answered", StringComparison.Ordinal));
    }

    [Fact]
    public void A_challenge_is_answered_with_the_account_on_the_next_cseq()
    {
        using var h = new TransactionHarness();
        var auth = new DigestAuthenticator("itsp.test");
        string challenge = string.Join("\r\n", auth.ChallengeHeaders(proxy: true).Select(c => $"{c.Key}: {c.Value}")) + "\r\n";
        var client = new InviteClient(h.Layer, this, Build, new InviteClientOptions { Credentials = new DigestClient("anchor1", "trunk-secret") });
        client.Start([new InviteTarget("sip:14085551212@192.0.2.21", PhoneA)]);
        SipMessage first = Assert.Single(Sent(h, "INVITE"));
        h.Layer.OnMessage(Answer(first, 407, "itsp", challenge), default);
        SipMessage second = Assert.Single(Sent(h, "INVITE"));
        Assert.Equal(2u, second.CSeq);
        Assert.Equal(first.CallIdString, second.CallIdString);
        Assert.True(first.From.Tag.SequenceEqual(second.From.Tag));
        Assert.Equal(DigestOutcome.Authenticated, auth.Verify(second, proxy: true, u => u == "anchor1" ? "trunk-secret" : null).Outcome);
        h.Layer.OnMessage(Answer(second, 407, "itsp", challenge), default);
        h.Layer.OnMessage(Answer(Assert.Single(Sent(h, "INVITE")), 407, "itsp", challenge), default);
        Assert.Equal(407, _failure!.Status); // two rounds at most: the credentials are refused
    }

    [Fact]
    public void A_cancel_before_any_provisional_waits_for_one()
    {
        using var h = new TransactionHarness();
        var client = new InviteClient(h.Layer, this, Build, new InviteClientOptions());
        client.Start([new InviteTarget("sip:102@192.0.2.21", PhoneA)]);
        SipMessage invite = Assert.Single(Sent(h, "INVITE"));
        client.Cancel();
        Assert.Empty(Sent(h, "CANCEL")); // §9.1
        h.Layer.OnMessage(Answer(invite, 180, "a"), default);
        Assert.Single(Sent(h, "CANCEL"));
        Assert.Empty(_events); // a ringing the caller gave up on is not reported
        h.Layer.OnMessage(Answer(invite, 487, "a"), default);
        Assert.True(_failure!.Cancelled);
    }
}
