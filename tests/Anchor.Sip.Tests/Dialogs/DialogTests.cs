using System.Net;
using System.Text;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Tests.Dialogs;

/// <summary>RFC 3261 §12 as a UAS and as a UAC, and RFC 3264 offer/answer states.</summary>
public class DialogTests
{
    private static readonly SipEndPoint Phone = new(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5062));

    private static SipMessage Parse(string s) => SipParser.ParseDatagram(Samples.Bytes(s)).Message!;

    private static SipMessage InviteWithRecordRoute() => Parse(Samples.Invite.Replace("Route: <sip:pbx.test;lr>\r\n",
        "Record-Route: <sip:p1.test;lr>\r\nRecord-Route: <sip:p2.test;lr>\r\n", StringComparison.Ordinal));

    [Fact]
    public void As_uas_the_route_set_is_the_record_route_in_order_and_requests_are_built_from_it()
    {
        SipMessage invite = InviteWithRecordRoute();
        Dialog d = Dialog.ForUas(invite, "anchor-tag", Phone, "127.0.0.1:5060", "<sip:102@127.0.0.1:5060>");
        Assert.Equal(new DialogId("a84b4c76e66710@pc33.example.com", "anchor-tag"), d.Id);
        Assert.Equal("sip:101@192.0.2.10:5062;transport=udp", d.RemoteTarget);
        Assert.Equal(["<sip:p1.test;lr>", "<sip:p2.test;lr>"], d.RouteSet);

        SipMessage bye = SipParser.ParseDatagram(d.CreateRequest("BYE")).Message!;
        Assert.Equal("sip:101@192.0.2.10:5062;transport=udp", Encoding.ASCII.GetString(bye[bye.RequestUriSegment]));
        Assert.True(bye.From.Tag.SequenceEqual("anchor-tag"u8)); // our tag in From
        Assert.True(bye.To.Tag.SequenceEqual("1928301774"u8));   // theirs in To
        Assert.Equal(2, bye.Count(HeaderKind.Route));
        Assert.Equal(1u, bye.CSeq);
        Assert.Equal(2u, SipParser.ParseDatagram(d.CreateRequest("INFO")).Message!.CSeq);
        Assert.Equal(7u, SipParser.ParseDatagram(d.CreateAck(7)).Message!.CSeq);
    }

    [Fact]
    public void Remote_cseq_must_grow_and_target_refreshes_are_followed()
    {
        SipMessage invite = InviteWithRecordRoute();
        Dialog d = Dialog.ForUas(invite, "t", Phone, "127.0.0.1:5060", "<sip:102@127.0.0.1>");
        string reinvite = Samples.Invite.Replace("CSeq: 314159 INVITE", "CSeq: 314160 INVITE", StringComparison.Ordinal)
            .Replace("Contact: <sip:101@192.0.2.10:5062;transport=udp>", "Contact: <sip:101@192.0.2.99:6000>", StringComparison.Ordinal);
        SipMessage r = Parse(reinvite);
        Assert.True(d.AcceptRemoteCSeq(r));
        d.RefreshTarget(r);
        Assert.Equal("sip:101@192.0.2.99:6000", d.RemoteTarget);
        Assert.False(d.AcceptRemoteCSeq(r)); // the same CSeq again is out of order (§12.2.2: 500)
        Assert.False(d.AcceptRemoteCSeq(invite));
    }

    [Fact]
    public void Offer_answer_allows_one_exchange_at_a_time_and_a_refusal_rolls_back()
    {
        var oa = new OfferAnswer();
        Assert.True(oa.TryRemoteOffer());
        Assert.False(oa.TryLocalOffer()); // glare: 491
        Assert.True(oa.LocalAnswer());
        Assert.Equal(OfferAnswerState.Stable, oa.State);
        Assert.False(oa.RemoteAnswer()); // no offer of ours pending
        Assert.True(oa.TryLocalOffer());
        Assert.False(oa.TryRemoteOffer());
        oa.Rollback(); // the re-INVITE got 488: the session agreed before stands
        Assert.Equal(OfferAnswerState.Stable, oa.State);
        Assert.True(oa.TryRemoteOffer());
    }
}
