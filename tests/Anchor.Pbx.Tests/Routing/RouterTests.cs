using System.Net;
using System.Text;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Applications.Echo;
using Anchor.Pbx.Model;
using Anchor.Pbx.Routing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Pbx.Tests.Routing;

/// <summary>The router's one decision per initial request, in its documented order.</summary>
public class RouterTests
{
    private static readonly IPEndPoint Phone = new(IPAddress.Parse("192.0.2.11"), 5062);

    private static SipMessage Invite(string target, string method = "INVITE") => SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
        PbxHarness.InviteText("101", target, Phone, "c1", 1, null).Replace("INVITE", method, StringComparison.Ordinal))).Message!;

    [Fact]
    public void Feature_codes_come_first_and_unknown_star_codes_never_reach_a_trunk()
    {
        using var h = new PbxHarness();
        Assert.IsType<EchoApplication>(Assert.IsType<ApplicationDecision>(h.Router.Route(Invite("*43"), "101", "*43")).Application);
        RejectDecision r = Assert.IsType<RejectDecision>(h.Router.Route(Invite("*4399"), "101", "*4399"));
        Assert.Equal(404, r.Status);
        Assert.Equal(0, h.Trunk.ActiveCalls);
    }

    [Fact]
    public void Extensions_are_proxied_when_registered_and_480_when_not()
    {
        using var h = new PbxHarness();
        Assert.Equal(480, Assert.IsType<RejectDecision>(h.Router.Route(Invite("102"), "101", "102")).Status);
        h.Register("102", new IPEndPoint(IPAddress.Parse("192.0.2.12"), 5060));
        ProxyDecision p = Assert.IsType<ProxyDecision>(h.Router.Route(Invite("102"), "101", "102"));
        Assert.Single(p.Bindings);
        Assert.IsType<ProxyDecision>(h.Router.Route(Invite("102", "MESSAGE"), "101", "102"));
    }

    [Fact]
    public void With_media_anchored_always_an_internal_call_is_an_application_only_with_a_relay()
    {
        using var h = new PbxHarness(MediaAnchoring.Always);
        h.Register("102", new IPEndPoint(IPAddress.Parse("192.0.2.12"), 5060));
        Assert.IsType<ProxyDecision>(h.Router.Route(Invite("102"), "101", "102")); // the harness has no relay: nothing to anchor with
    }

    [Theory]
    [InlineData("914085551212", null)]          // national: allowed by default
    [InlineData("919005551212", 403)]           // barred by '!'
    [InlineData("901144201234567", 403)]        // international: not in the default classes
    [InlineData("12345", 404)]                  // no rule
    public void The_dial_plan_and_the_callers_classes_decide_the_way_out(string dialed, int? refused)
    {
        using var h = new PbxHarness();
        RouteDecision d = h.Router.Route(Invite(dialed), "101", dialed);
        if (refused is { } status)
        {
            Assert.Equal(status, Assert.IsType<RejectDecision>(d).Status);
            Assert.Equal(0, h.Trunk.ActiveCalls);
            return;
        }

        ApplicationDecision app = Assert.IsType<ApplicationDecision>(d);
        Assert.IsType<DialApplication>(app.Application);
        Assert.Equal(1, h.Trunk.ActiveCalls);
        Assert.Equal(1, h.Router.Policy.ActiveOutbound("101"));
        app.Release!();
        Assert.Equal(0, h.Trunk.ActiveCalls);
        Assert.Equal(0, h.Router.Policy.ActiveOutbound("101"));
    }

    [Fact]
    public void A_did_rings_the_trunks_inbound_target_and_other_numbers_are_refused()
    {
        using var h = new PbxHarness();
        SipMessage fromItsp = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
            PbxHarness.InviteText("101", PbxHarness.Did, PbxHarness.Itsp, "i1", 1, null))).Message!;
        Assert.Equal(480, Assert.IsType<RejectDecision>(h.Router.Inbound(fromItsp, h.Trunk)).Status); // 101 not registered
        h.Register("101", new IPEndPoint(IPAddress.Parse("192.0.2.11"), 5060));
        ApplicationDecision app = Assert.IsType<ApplicationDecision>(h.Router.Inbound(fromItsp, h.Trunk));
        Assert.True(app.CallerFacesTrunk);
        SipMessage other = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
            PbxHarness.InviteText("101", "15559999999", PbxHarness.Itsp, "i2", 1, null))).Message!;
        Assert.Equal(404, Assert.IsType<RejectDecision>(h.Router.Inbound(other, h.Trunk)).Status);
    }
}
