using System.Net;
using System.Text;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Model;
using Anchor.Pbx.Presence;
using Anchor.Sip.Auth;
using Anchor.Sip.Message;

namespace Anchor.Pbx.Tests.Hunting;

/// <summary>
/// On the PBX harness's fake clock: hunt groups ring their members in the strategy's order and move on after the ring
/// time, skip busy ones and fall back; forwards and do-not-disturb set by the phones' codes and by configuration;
/// loops end at once; a phone's 302 is followed; busy lamps see a call's phases.
/// </summary>
public class WhoRingsTests
{
    private static readonly IPEndPoint P101 = new(IPAddress.Parse("192.0.2.21"), 5062);
    private static readonly IPEndPoint P102 = new(IPAddress.Parse("192.0.2.22"), 5062);
    private static readonly IPEndPoint P103 = new(IPAddress.Parse("192.0.2.23"), 5062);

    private static bool Is(SipMessage m, SipMethod method) => m.IsRequest && m.Method == method;

    private PbxHarness Office(params HuntGroup[] groups)
    {
        var h = new PbxHarness();
        _h = h;
        h.Register("101", P101);
        h.Register("102", P102);
        h.Register("103", P103);
        h.Reconfigure(groups: groups);
        return h;
    }

    private static HuntGroup Group(HuntStrategy s, HuntLimit limit, params string[] members) =>
        new() { Number = "500", Name = "Sales", Members = members, Strategy = s, Ring = TimeSpan.FromSeconds(2), Limit = limit };

    private readonly HashSet<string> _seen = [];

    /// <summary>Where new INVITEs went (retransmissions aside); each phone rings (180) as a real one would.</summary>
    private PbxHarness? _h;

    private IPEndPoint[] InvitesTo(List<(SipMessage Message, Sip.Transport.SipEndPoint To)> sent)
    {
        var fresh = sent.Where(s => Is(s.Message, SipMethod.Invite) && _seen.Add(s.Message.GetHeaderString("Via") ?? "")).ToList();
        foreach (var s in fresh)
        {
            _h?.Receive(PbxHarness.ResponseTo(s.Message, 180, "Ringing", "t" + _seen.Count, $"sip:phone@{s.To.EndPoint}"), s.To.EndPoint);
        }

        return fresh.Select(s => s.To.EndPoint).ToArray();
    }

    [Fact]
    public void Restart_rings_one_member_after_the_other_and_then_the_caller_hears_480()
    {
        using PbxHarness h = Office(Group(HuntStrategy.Restart, new HuntLimit(TimeSpan.Zero, 1), "101", "102"));
        Assert.Equal([P101], InvitesTo(h.Invite("103", "500", P103, "r1")));
        h.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Empty(InvitesTo(h.TakeSent()));
        h.Advance(TimeSpan.FromSeconds(0.6));
        var second = h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P102));
        Assert.Contains(second, s => Is(s.Message, SipMethod.Cancel) && s.To.EndPoint.Equals(P101));
        Assert.Equal([P102], InvitesTo(second));
        h.Advance(TimeSpan.FromSeconds(2.1));
        var end = h.TakeSentUntil(s => s.To.EndPoint.Equals(P103) && s.Message.StatusCode == 480);
        Assert.Contains(end, s => Is(s.Message, SipMethod.Cancel) && s.To.EndPoint.Equals(P102));
        Assert.Empty(InvitesTo(end)); // one cycle only
        Assert.Contains(end, s => s.To.EndPoint.Equals(P103) && s.Message.StatusCode == 480);
    }

    [Fact]
    public void Next_starts_after_the_member_used_last_call()
    {
        using PbxHarness h = Office(Group(HuntStrategy.Next, HuntLimit.Forever, "101", "102"));
        Assert.Equal([P101], InvitesTo(h.Invite("103", "500", P103, "n1")));
        h.Receive(PbxHarness.InviteText("103", "500", P103, "n1", 2, null).Replace("INVITE", "CANCEL").Replace("CSeq: 2 CANCEL", "CSeq: 2 CANCEL"), P103);
        h.TakeSent();
        Assert.Equal([P102], InvitesTo(h.Invite("103", "500", P103, "n2")));
    }

    [Fact]
    public void Busy_members_are_skipped_unless_ring_busy()
    {
        using PbxHarness h = Office(Group(HuntStrategy.RingAll, HuntLimit.Forever, "101", "102"));
        h.Router.Lines.Set(new LineDialog("101", "other-call", Initiator: true, LinePhase.Confirmed, "999"));
        Assert.Equal([P102], InvitesTo(h.Invite("103", "500", P103, "b1")));
        Assert.Contains(h.Log, l => l.Contains("skipping 101 (busy)", StringComparison.Ordinal));
        h.Reconfigure(groups: [Group(HuntStrategy.RingAll, HuntLimit.Forever, "101", "102") with { RingBusy = true }]);
        Assert.Equal(2, InvitesTo(h.Invite("103", "500", P103, "b2")).Length);
    }

    [Fact]
    public void Memory_rings_one_then_two_then_falls_back_after_max_seconds()
    {
        using PbxHarness h = Office(Group(HuntStrategy.Memory, new HuntLimit(TimeSpan.FromSeconds(3), 0), "101", "102") with { Fallback = "103" });
        Assert.Equal([P101], InvitesTo(h.Invite("103", "500", P103, "m1")));
        h.Advance(TimeSpan.FromSeconds(2.1));
        Assert.Equal(["192.0.2.21:5062", "192.0.2.22:5062"], InvitesTo(h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P102)))
            .Select(e => e.ToString()).Order());
        h.Advance(TimeSpan.FromSeconds(1.1)); // the 3 s are up inside the second step
        var end = h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P103));
        Assert.Equal([P103], InvitesTo(end)); // the fallback rings 103
    }

    [Fact]
    public void Phone_codes_set_forward_and_dnd_and_the_next_call_follows_them()
    {
        using PbxHarness h = Office();
        h.Invite("102", "*72103", P102, "f1"); // the confirmation needs the relay, absent here: the setting is made first
        Assert.Equal("103", h.Router.Settings.For(h.Config.Current.Extensions["102"]).Always);
        Assert.Equal([P103], InvitesTo(h.Invite("101", "102", P101, "f2")));
        h.Invite("102", "*73", P102, "f3");
        Assert.Equal([P102], InvitesTo(h.Invite("101", "102", P101, "f4")));
        h.Invite("102", "*78", P102, "f5");
        Assert.Contains(h.Invite("101", "102", P101, "f6"), s => s.To.EndPoint.Equals(P101) && s.Message.StatusCode == 486);
        h.Invite("102", "*79", P102, "f7");
        Assert.Equal([P102], InvitesTo(h.Invite("101", "102", P101, "f8")));
    }

    [Fact]
    public void A_forward_to_an_outside_number_needs_the_class()
    {
        using PbxHarness h = Office();
        var refused = h.Invite("102", "*729011441234567", P102, "o1"); // international: not in the default classes
        Assert.Contains(refused, s => s.Message.StatusCode == 403);
        Assert.Null(h.Router.Settings.For(h.Config.Current.Extensions["102"]).Always);

        // Configured anyway (a stale database, an edited file): the call is refused, not sent out.
        h.Reconfigure(e => e.Number == "102" ? e with { Forward = new ForwardState { Always = "9011441234567" } } : e);
        Assert.Contains(h.Invite("101", "102", P101, "o2"), s => s.To.EndPoint.Equals(P101) && s.Message.StatusCode == 403);
        Assert.DoesNotContain(h.Sent, s => s.To.EndPoint.Equals(PbxHarness.Itsp));
    }

    [Fact]
    public void A_forward_loop_ends_at_once_with_482()
    {
        using PbxHarness h = Office();
        h.Reconfigure(e => e.Number switch
        {
            "101" => e with { Forward = new ForwardState { Always = "102" } },
            "102" => e with { Forward = new ForwardState { Always = "101" } },
            _ => e,
        });
        var sent = h.Invite("103", "101", P103, "l1");
        Assert.Empty(InvitesTo(sent));
        Assert.Contains(sent, s => s.To.EndPoint.Equals(P103) && s.Message.StatusCode == 482);
        Assert.Contains(h.Log, l => l.Contains("Forwarding loop", StringComparison.Ordinal) && l.Contains("101 -> 102 -> 101", StringComparison.Ordinal));
    }

    [Fact]
    public void Forward_on_busy_and_on_no_answer()
    {
        using PbxHarness h = Office();
        h.Reconfigure(e => e.Number == "102" ? e with { Forward = new ForwardState { Busy = "103", NoAnswerTarget = "101", NoAnswer = TimeSpan.FromSeconds(5) } } : e);
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", P101, "fb1"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 486, "Busy Here", "b", $"sip:102@{P102}"), P102);
        Assert.Equal([P103], InvitesTo(h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P103))));

        SipMessage again = Assert.Single(h.Invite("103", "102", P103, "fb2"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(again, 180, "Ringing", "r", $"sip:102@{P102}"), P102);
        h.Advance(TimeSpan.FromSeconds(5.1));
        var after = h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P101));
        Assert.Contains(after, s => Is(s.Message, SipMethod.Cancel) && s.To.EndPoint.Equals(P102));
        Assert.Equal([P101], InvitesTo(after));
    }

    [Fact]
    public void A_phones_302_is_followed_by_anchor()
    {
        using PbxHarness h = Office();
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", P101, "x1"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 302, "Moved Temporarily", "m", "sip:103@pbx.test"), P102);
        var sent = h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P103));
        Assert.Equal([P103], InvitesTo(sent));
        Assert.DoesNotContain(sent, s => s.To.EndPoint.Equals(P101) && s.Message.StatusCode == 302);
    }

    [Fact]
    public void A_302_on_a_trunk_call_is_followed_by_anchor_and_a_hunt_member_s_is_not()
    {
        using PbxHarness h = Office(Group(HuntStrategy.RingAll, new HuntLimit(TimeSpan.Zero, 1), "102"));
        h.Receive(PbxHarness.InviteText("15559876543", PbxHarness.Did, PbxHarness.Itsp, "x2", 1, null, PbxHarness.Sdp("192.0.2.50", 30000)), PbxHarness.Itsp);
        var sent = h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite));
        SipMessage toPhone = sent.First(s => Is(s.Message, SipMethod.Invite)).Message;
        Assert.Equal([P101], InvitesTo(sent)); // the trunk's Inbound
        h.Receive(PbxHarness.ResponseTo(toPhone, 302, "Moved Temporarily", "m", "sip:103@pbx.test"), P101);
        Assert.Equal([P103], InvitesTo(h.TakeSentUntil(s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P103))));
        Assert.Contains(h.Log, l => l.Contains("101 redirected the call to 103", StringComparison.Ordinal));
        Assert.DoesNotContain(h.Sent, s => s.To.EndPoint.Equals(PbxHarness.Itsp) && s.Message.StatusCode == 302);

        // While hunting, a member's own forward is not followed (the SPA rule): the hunt goes on, here to its end.
        SipMessage toMember = h.Invite("101", "500", P101, "x3").First(s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toMember, 302, "Moved Temporarily", "m2", "sip:103@pbx.test"), P102);
        var end = h.TakeSentUntil(s => s.To.EndPoint.Equals(P101) && s.Message.StatusCode == 480);
        Assert.DoesNotContain(end, s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P103));
    }

    [Fact]
    public void Invite_with_replaces_of_a_ringing_dialog_picks_it_up()
    {
        using PbxHarness h = Office();
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", P101, "rp1"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 180, "Ringing", "ph", $"sip:102@{P102}"), P102);
        h.TakeSent();

        // 103's busy lamp key: INVITE to the caller with Replaces naming the early dialog (RFC 5359 §2.16).
        string invite(uint cseq, string? creds) => PbxHarness.InviteText("103", "101", P103, "rp2", cseq, creds, PbxHarness.Sdp("192.0.2.23", 4000))
            .Replace("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nReplaces: rp1;to-tag=ph;from-tag=rp1-tag;early-only\r\n");
        h.Receive(invite(1, null), P103);
        SipMessage challenge = h.TakeSent().Select(s => s.Message).Single(m => m.StatusCode == 407);
        string creds = new DigestClient("103", PbxHarness.Passwords["103"]).Answer(challenge, "INVITE", "sip:101@pbx.test")!.Value.Value;
        h.Receive(invite(2, creds), P103);
        var after = h.TakeSentUntil(s => Is(s.Message, SipMethod.Cancel));
        Assert.Contains(after, s => Is(s.Message, SipMethod.Cancel) && s.To.EndPoint.Equals(P102));
        Assert.Contains(h.Log, l => l.Contains("missed the call (picked up by 103)", StringComparison.Ordinal));
        Assert.DoesNotContain(after, s => Is(s.Message, SipMethod.Invite) && s.To.EndPoint.Equals(P101)); // not a new call to 101
    }

    [Fact]
    public void On_a_proxied_call_refer_goes_to_the_transferee_whose_new_call_is_its_own()
    {
        using PbxHarness h = Office();
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", P101, "tr1"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 200, "OK", "ph", $"sip:102@{P102}", PbxHarness.Sdp("192.0.2.22", 4000))
            .Replace("Contact:", $"Record-Route: {toPhone.GetHeaderString("Record-Route")}\r\nContact:"), P102);
        SipMessage ok = h.TakeSentUntil(s => s.To.EndPoint.Equals(P101) && s.Message.StatusCode == 200).First(s => s.Message.StatusCode == 200).Message;
        string route = ok.GetHeaderString("Record-Route")!;

        // 101 REFERs 102 to an international number: the REFER goes on to 102 in the dialog...
        string refer = PbxHarness.InDialog("REFER", $"sip:102@{P102}", ok, anchorIsCaller: false, P101, 3)
            .Replace("Contact:", $"Route: {route}\r\nRefer-To: <sip:9011441234567@pbx.test>\r\nContact:");
        h.Receive(refer, P101);
        Assert.Contains(h.TakeSentUntil(s => Is(s.Message, SipMethod.Refer)), s => Is(s.Message, SipMethod.Refer) && s.To.EndPoint.Equals(P102));

        // ...and 102's INVITE for it is 102's own call: authenticated as 102, refused by 102's classes, never at the trunk.
        var sent = h.Invite("102", "9011441234567", P102, "tr2");
        Assert.Contains(sent, s => s.To.EndPoint.Equals(P102) && s.Message.StatusCode == 403);
        Assert.DoesNotContain(h.Sent, s => s.To.EndPoint.Equals(PbxHarness.Itsp));
    }

    [Theory]
    [InlineData("nobody-knows;to-tag=a;from-tag=b", 481)]
    [InlineData("rp9;to-tag=ph;from-tag=rp9-tag;early-only", 486)] // the 101-102 call below is answered
    [InlineData("rp9;to-tag", 400)]
    public void Invite_with_replaces_of_no_ringing_dialog_is_refused(string replaces, int status)
    {
        using PbxHarness h = Office();
        SipMessage toPhone = Assert.Single(h.Invite("101", "102", P101, "rp9"), s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 200, "OK", "ph", $"sip:102@{P102}", PbxHarness.Sdp("192.0.2.22", 4000)), P102);
        h.TakeSentUntil(s => s.Message.StatusCode == 200);
        string invite(uint cseq, string? creds) => PbxHarness.InviteText("103", "101", P103, "rp10", cseq, creds)
            .Replace("Max-Forwards: 70\r\n", $"Max-Forwards: 70\r\nReplaces: {replaces}\r\n");
        h.Receive(invite(1, null), P103);
        SipMessage challenge = h.TakeSent().Select(s => s.Message).Single(m => m.StatusCode == 407);
        string creds = new DigestClient("103", PbxHarness.Passwords["103"]).Answer(challenge, "INVITE", "sip:101@pbx.test")!.Value.Value;
        h.Receive(invite(2, creds), P103);
        Assert.Contains(h.TakeSentUntil(s => s.To.EndPoint.Equals(P103) && s.Message.StatusCode == status), s => s.Message.StatusCode == status);
    }

    [Fact]
    public void A_busy_lamp_sees_trying_early_confirmed_terminated()
    {
        using PbxHarness h = Office();
        var blf = new DialogEvents(h.Router.Lines, new Anchor.Pbx.Proxy.LocalAddresses(() => [new Sip.Transport.SipEndPoint(TransportKind.Udp, PbxHarness.Anchor)], "pbx.test", null),
            "pbx.test", "Anchor", new Microsoft.Extensions.Logging.Abstractions.NullLogger<WhoRingsTests>()) { Transactions = h.Layer };
        h.Router.Blf = blf;
        h.Receive(Subscribe(1, null), P103);
        SipMessage challenge = h.TakeSent().Select(s => s.Message).Single(m => m.StatusCode == 407);
        string creds = new DigestClient("103", PbxHarness.Passwords["103"]).Answer(challenge, "SUBSCRIBE", "sip:102@pbx.test")!.Value.Value;
        h.Receive(Subscribe(2, creds), P103);
        var first = h.TakeSentUntil(s => Is(s.Message, SipMethod.Notify));
        Assert.Contains(first, s => s.Message.StatusCode == 200);
        Assert.DoesNotContain("<dialog ", Body(Assert.Single(first, s => Is(s.Message, SipMethod.Notify)).Message));

        var invited = h.Invite("101", "102", P101, "blf1");
        SipMessage toPhone = invited.First(s => Is(s.Message, SipMethod.Invite)).Message;
        h.Receive(PbxHarness.ResponseTo(toPhone, 180, "Ringing", "ph", $"sip:102@{P102}"), P102);
        h.Receive(PbxHarness.ResponseTo(toPhone, 200, "OK", "ph", $"sip:102@{P102}", PbxHarness.Sdp("192.0.2.22", 4000)), P102);
        var notifies = invited.Concat(h.TakeSentUntil(s => Is(s.Message, SipMethod.Notify) && Body(s.Message).Contains("confirmed", StringComparison.Ordinal))).Where(s => Is(s.Message, SipMethod.Notify) && s.To.EndPoint.Equals(P103)).Select(s => Body(s.Message)).ToList();
        Assert.Equal(["trying", "early", "confirmed"], notifies.Select(State));
        Assert.Contains("call-id=\"blf1\"", notifies[^1]);
        Assert.Contains("local-tag=\"ph\"", notifies[^1]);
        Assert.Contains("<remote><identity>sip:101@pbx.test</identity></remote>", notifies[^1]);

        h.Router.Lines.EndCall("blf1"); // as a BYE through the proxy does
        Assert.Equal("terminated", State(Body(h.TakeSent().Single(s => Is(s.Message, SipMethod.Notify)).Message)));
    }

    private static string State(string body)
    {
        int i = body.IndexOf("<state>", StringComparison.Ordinal);
        return i < 0 ? "none" : body[(i + 7)..body.IndexOf("</state>", StringComparison.Ordinal)];
    }

    private static string Body(SipMessage m) => Encoding.UTF8.GetString(m.BodySpan);

    private static string Subscribe(uint cseq, string? creds) =>
        $"SUBSCRIBE sip:102@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP {P103};branch=z9hG4bKblf{cseq};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:103@pbx.test>;tag=s1\r\nTo: <sip:102@pbx.test>\r\nCall-ID: blfsub\r\nCSeq: {cseq} SUBSCRIBE\r\n" +
        $"Contact: <sip:103@{P103}>\r\nEvent: dialog\r\nAccept: application/dialog-info+xml\r\nExpires: 600\r\n" +
        (creds is null ? "" : $"Proxy-Authorization: {creds}\r\n") + "Content-Length: 0\r\n\r\n";
}
