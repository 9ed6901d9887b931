using System.Text;
using Anchor.Pbx.Applications.Transfer;
using Anchor.Pbx.Park;
using Anchor.Pbx.Presence;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Pbx.Tests.Transfer;

/// <summary>REFER targets (RFC 3515) with their escaped Replaces (RFC 3891), and the parking lot's slots.</summary>
public class ReferAndParkTests
{
    private static SipMessage Refer(params string[] referTo)
    {
        string text = "REFER sip:anchor@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr1\r\nMax-Forwards: 70\r\n" +
            "From: <sip:101@pbx.test>;tag=a\r\nTo: <sip:anchor@pbx.test>;tag=b\r\nCall-ID: r1\r\nCSeq: 2 REFER\r\n" +
            string.Concat(referTo.Select(r => $"Refer-To: {r}\r\n")) + "Content-Length: 0\r\n\r\n";
        SipParseResult p = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(text));
        Assert.Equal(SipParseStatus.Complete, p.Status);
        return p.Message!;
    }

    [Theory]
    [InlineData("<sip:102@pbx.test>", "102")]
    [InlineData("sip:700@pbx.test", "700")]
    [InlineData("\"Park\" <sip:*38@pbx.test;user=phone>", "*38")]
    [InlineData("<sip:%31%30%33@pbx.test>", "103")]
    public void A_blind_refer_names_its_number(string referTo, string user)
    {
        Assert.True(ReferTarget.TryParse(Refer(referTo), out ReferTarget? t, out string? error), error);
        Assert.Equal(user, t!.User);
        Assert.Null(t.Replaces);
    }

    [Fact]
    public void An_attended_refer_carries_an_escaped_replaces()
    {
        Assert.True(ReferTarget.TryParse(Refer("<sip:103@pbx.test?Replaces=abc%40192.0.2.9%3Bto-tag%3Dt1%3Bfrom-tag%3Df1%3Bearly-only>"), out ReferTarget? t, out string? error), error);
        Assert.Equal(new ReplacesId("abc@192.0.2.9", "t1", "f1", EarlyOnly: true), t!.Replaces);
    }

    [Theory]
    [InlineData(new string[0], "no Refer-To")]
    [InlineData(new[] { "<sip:pbx.test>" }, "names no number")]
    [InlineData(new[] { "<sip:102@pbx.test>", "<sip:103@pbx.test>" }, "more than one")]
    [InlineData(new[] { "<sip:103@pbx.test?Replaces=abc%3Bto-tag%3Dt1>" }, "Replaces in Refer-To does not parse")]
    public void Bad_refers_are_400_with_why(string[] referTo, string why)
    {
        Assert.False(ReferTarget.TryParse(Refer(referTo), out _, out string? error));
        Assert.Contains(why, error);
    }

    [Fact]
    public void Replaces_values_parse_in_any_order()
    {
        Assert.Equal(new ReplacesId("x@h", "a", "b", false), ReplacesId.Parse("x@h;from-tag=b;to-tag=a"));
        Assert.Null(ReplacesId.Parse("x@h;to-tag=a"));
    }

    [Fact]
    public void Slots_go_in_order_come_back_when_freed_and_light_their_lamps()
    {
        var lines = new Lines();
        var lot = new ParkingLot(lines);
        string[] slots = ["701", "702"];
        Assert.Equal("701", lot.TryPark(slots, null, "c1", "15559876543", (_, _) => { }));
        Assert.Equal("702", lot.TryPark(slots, null, "c2", "15559876544", (_, _) => { }));
        Assert.Null(lot.TryPark(slots, null, "c3", "x", (_, _) => { })); // full
        Assert.Null(lot.TryPark(slots, "701", "c3", "x", (_, _) => { })); // that one is taken
        Assert.Equal(LinePhase.Confirmed, Assert.Single(lines.Of("701")).Phase);

        lot.Free("701", "c9"); // not the call parked there: nothing
        Assert.True(lot.IsOccupied("701"));
        lot.Free("701", "c1");
        Assert.False(lot.IsOccupied("701"));
        Assert.Empty(lines.Of("701"));
        Assert.Equal("701", lot.TryPark(slots, null, "c3", "x", (_, _) => { }));
    }
}

/// <summary>How the router parks: a transferee's INVITE to 700 (or *38, or a free slot) parks it for the extension in Referred-By.</summary>
public class ParkRoutingTests
{
    private static SipMessage Invite(string target, string? referredBy) => SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
        PbxHarness.InviteText("102", target, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.12"), 5062), "p1", 1, null)
            .Replace("Max-Forwards: 70\r\n", referredBy is null ? "Max-Forwards: 70\r\n" : $"Max-Forwards: 70\r\nReferred-By: <sip:{referredBy}@pbx.test>\r\n"))).Message!;

    [Theory]
    [InlineData("700", "101", "101", null)]
    [InlineData("*38", "101", "101", null)] // the SPA phones' park key
    [InlineData("702", "101", "101", "702")]
    [InlineData("700", null, "102", null)] // no referrer: the caller parks itself
    [InlineData("700", "15559876543", "102", null)] // a referrer that is no extension is not trusted as the parker
    public void A_transferee_calling_the_park_number_is_parked_for_the_referrer(string target, string? referredBy, string parker, string? slot)
    {
        using var h = new PbxHarness();
        h.Reconfigure(park: new ParkOptions());
        var app = Assert.IsType<Anchor.Pbx.Applications.Park.ParkApplication>(
            Assert.IsType<Anchor.Pbx.Routing.ApplicationDecision>(h.Router.Route(Invite(target, referredBy), "102", target)).Application);
        Assert.Equal(parker, app.Parker);
        Assert.Equal(slot, app.Slot);
    }

    [Fact]
    public void Dialling_an_occupied_slot_retrieves_and_an_empty_one_is_404_after_nothing()
    {
        using var h = new PbxHarness();
        h.Reconfigure(park: new ParkOptions());
        Assert.Equal("701", h.Router.Lot.TryPark(h.Config.Current.Park!.Slots, null, "x1", "15559876543", (_, _) => { }));
        Assert.IsType<Anchor.Pbx.Routing.LocalDecision>(h.Router.Route(Invite("701", null), "102", "701"));
        var unpark = Assert.IsType<Anchor.Pbx.Routing.RejectDecision>(h.Router.Route(Invite("*39799", null), "102", "*39799"));
        Assert.Equal(404, unpark.Status);
    }
}
