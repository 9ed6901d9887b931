using System.Net;
using System.Text;
using Anchor.Sip.Auth;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Tests.Voicemail;

/// <summary>
/// On the PBX harness's fake clock: a proxied call that is not answered in NoAnswerSeconds (or meets a busy phone) is
/// handed to the mailbox on the same transaction, the phone's late 200 is ACKed and hung up; a message-summary
/// subscription is notified at once and again when it times out.
/// </summary>
public class HandoverAndSubscriptionTests
{
    private static readonly IPEndPoint Caller = new(IPAddress.Parse("192.0.2.11"), 5062);
    private static readonly IPEndPoint Phone = new(IPAddress.Parse("192.0.2.12"), 5062);

    private static bool Is(SipMessage m, SipMethod method) => m.IsRequest && m.Method == method;

    [Fact]
    public void No_answer_in_time_cancels_the_phone_and_the_mailbox_answers_the_same_invite()
    {
        using var h = new PbxHarness(voicemail: true);
        h.Register("102", Phone);
        var sent = h.Invite("101", "102", Caller, "vm1");
        SipMessage toPhone = Assert.Single(sent, s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 180, "Ringing", "ph1", $"sip:102@{Phone}"), Phone);
        Assert.Contains(h.TakeSent(), s => s.Message.StatusCode == 180);

        h.Advance(TimeSpan.FromSeconds(19));
        Assert.DoesNotContain(h.TakeSent(), s => Is(s.Message, SipMethod.Cancel));
        h.Advance(TimeSpan.FromSeconds(1.1));
        var after = h.TakeSent();
        Assert.Contains(after, s => Is(s.Message, SipMethod.Cancel) && s.To.EndPoint.Equals(Phone));
        // The mailbox took the call: Anchor answers the caller itself (here without a relay, so it says why).
        // (The first INVITE's 407 is retransmitted meanwhile: the harness's caller never ACKs it.)
        SipMessage final = Assert.Single(after, s => s.Message.IsResponse && s.Message.StatusCode is >= 300 and not 407 && s.To.EndPoint.Equals(Caller)).Message;
        Assert.Equal(503, final.StatusCode);
        Assert.Contains(h.Log, l => l.Contains("102 missed the call (no answer): Voicemail", StringComparison.Ordinal));

        // The phone answers anyway, too late: ACKed and hung up, nothing reaches the caller.
        h.Receive(PbxHarness.ResponseTo(toPhone, 200, "OK", "ph1", $"sip:102@{Phone}", PbxHarness.Sdp("192.0.2.12", 4000)), Phone);
        var late = h.TakeSent();
        Assert.Contains(late, s => Is(s.Message, SipMethod.Ack) && s.To.EndPoint.Equals(Phone));
        Assert.Contains(late, s => Is(s.Message, SipMethod.Bye) && s.To.EndPoint.Equals(Phone));
        Assert.DoesNotContain(late, s => s.To.EndPoint.Equals(Caller) && s.Message.IsResponse && s.Message.StatusCode == 200);
    }

    [Theory]
    [InlineData(486, true)]
    [InlineData(603, true)]
    [InlineData(480, true)]
    [InlineData(403, false)] // a refusal that is not "not here": the caller hears it
    public void Busy_or_unavailable_goes_to_the_mailbox(int status, bool mailbox)
    {
        using var h = new PbxHarness(voicemail: true);
        h.Register("102", Phone);
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", Caller, "vm2"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, status, "No", "ph2", $"sip:102@{Phone}"), Phone);
        SipMessage final = Assert.Single(h.TakeSent(), s => s.Message.IsResponse && s.Message.StatusCode >= 300 && s.To.EndPoint.Equals(Caller)).Message;
        Assert.Equal(mailbox ? 503 : status, final.StatusCode); // 503: the mailbox answering without a relay in the harness
        Assert.Equal(mailbox, h.Log.Any(l => l.Contains("missed the call", StringComparison.Ordinal)));
    }

    [Fact]
    public void Without_a_mailbox_the_call_rings_until_timer_c()
    {
        using var h = new PbxHarness(voicemail: false);
        h.Register("102", Phone);
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", Caller, "vm3"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 180, "Ringing", "ph3", $"sip:102@{Phone}"), Phone);
        h.Advance(TimeSpan.FromSeconds(25));
        Assert.DoesNotContain(h.TakeSent(), s => Is(s.Message, SipMethod.Cancel));
    }

    private static string Subscribe(string user, uint cseq, string? creds, int expires, string? toTag = null) =>
        $"SUBSCRIBE sip:{user}@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP {Phone};branch=z9hG4bKsub{cseq};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:{user}@pbx.test>;tag=s1\r\nTo: <sip:{user}@pbx.test>{(toTag is null ? "" : ";tag=" + toTag)}\r\nCall-ID: sub1\r\nCSeq: {cseq} SUBSCRIBE\r\n" +
        $"Contact: <sip:{user}@{Phone}>\r\nEvent: message-summary\r\nExpires: {expires}\r\n" +
        (creds is null ? "" : $"Proxy-Authorization: {creds}\r\n") + "Content-Length: 0\r\n\r\n";

    [Fact]
    public void A_subscription_is_notified_at_once_and_when_it_times_out()
    {
        using var h = new PbxHarness(voicemail: true);
        h.Receive(Subscribe("102", 1, null, 120), Phone);
        SipMessage challenge = h.TakeSent().Select(s => s.Message).Single(m => m.StatusCode == 407);
        string creds = new DigestClient("102", PbxHarness.Passwords["102"]).Answer(challenge, "SUBSCRIBE", "sip:102@pbx.test")!.Value.Value;
        h.Receive(Subscribe("102", 2, creds, 120), Phone);
        var sent = h.TakeSent();
        SipMessage ok = Assert.Single(sent, s => s.Message.StatusCode == 200).Message;
        Assert.Equal("120", ok.GetHeaderString("Expires"));
        SipMessage notify = Assert.Single(sent, s => Is(s.Message, SipMethod.Notify)).Message;
        Assert.StartsWith("active", notify.GetHeaderString("Subscription-State"), StringComparison.Ordinal);
        Assert.Equal("Messages-Waiting: no\r\nMessage-Account: sip:*97@pbx.test\r\nVoice-Message: 0/0 (0/0)\r\n", Encoding.ASCII.GetString(notify.BodySpan));
        Assert.Equal(1, h.Mwi!.Subscriptions);

        h.Advance(TimeSpan.FromSeconds(121));
        // The first NOTIFY is retransmitted (the harness's phone never answers it); the last one says the subscription timed out.
        var notifies = h.TakeSent().Where(s => Is(s.Message, SipMethod.Notify)).Select(s => s.Message.GetHeaderString("Subscription-State")).ToList();
        Assert.Contains("terminated;reason=timeout", notifies);
        Assert.Equal(0, h.Mwi.Subscriptions);
    }

    [Fact]
    public void Too_brief_a_subscription_is_423()
    {
        using var h = new PbxHarness(voicemail: true);
        h.Receive(Subscribe("102", 1, null, 30), Phone);
        SipMessage challenge = h.TakeSent().Select(s => s.Message).Single(m => m.StatusCode == 407);
        string creds = new DigestClient("102", PbxHarness.Passwords["102"]).Answer(challenge, "SUBSCRIBE", "sip:102@pbx.test")!.Value.Value;
        h.Receive(Subscribe("102", 2, creds, 30), Phone);
        SipMessage r = Assert.Single(h.TakeSent(), s => s.Message.IsResponse).Message;
        Assert.Equal(423, r.StatusCode);
        Assert.Equal("60", r.GetHeaderString("Min-Expires"));
    }
}
