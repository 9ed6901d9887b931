using System.Net;
using System.Text;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Model;
using Anchor.Pbx.Routing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Pbx.Tests.Routing;

/// <summary>Media:Anchor = Auto: LAN-to-LAN calls flow phone to phone, a call with a party away from the LAN is anchored.</summary>
public class AutoAnchoringTests
{
    private static readonly IPEndPoint LanPhone = new(IPAddress.Parse("192.168.1.11"), 5060);
    private static readonly IPEndPoint OtherLanPhone = new(IPAddress.Parse("192.168.1.12"), 5060);
    private static readonly IPEndPoint HomeRouter = new(IPAddress.Parse("203.0.113.129"), 40312); // the home NAT's mapping
    private static readonly IPEndPoint HomePhone = new(IPAddress.Parse("192.168.0.50"), 5060);   // what the remote phone writes

    private static SipMessage Invite(string caller, string target, IPEndPoint contact) => SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
        PbxHarness.InviteText(caller, target, contact, "c1", 1, null))).Message!;

    [Fact]
    public void Lan_to_lan_is_proxied()
    {
        using var h = new PbxHarness(MediaAnchoring.Auto, relay: true);
        h.Register("102", OtherLanPhone);
        Assert.IsType<ProxyDecision>(h.Router.Route(Invite("101", "102", LanPhone), "101", "102", LanPhone));
    }

    [Fact]
    public void A_call_to_a_phone_behind_a_nat_is_anchored()
    {
        using var h = new PbxHarness(MediaAnchoring.Auto, relay: true);
        h.Register("103", HomeRouter, contactAt: HomePhone);
        ApplicationDecision app = Assert.IsType<ApplicationDecision>(h.Router.Route(Invite("101", "103", LanPhone), "101", "103", LanPhone));
        Assert.True(Assert.IsType<DialApplication>(app.Application).Request.Anchored);
    }

    [Fact]
    public void A_call_from_a_phone_behind_a_nat_is_anchored()
    {
        using var h = new PbxHarness(MediaAnchoring.Auto, relay: true);
        h.Register("101", LanPhone);
        ApplicationDecision app = Assert.IsType<ApplicationDecision>(h.Router.Route(Invite("103", "101", HomePhone), "103", "101", HomeRouter));
        Assert.True(Assert.IsType<DialApplication>(app.Application).Request.Anchored);
    }

    [Fact]
    public void A_lan_phone_whose_contact_is_another_address_counts_as_behind_a_nat()
    {
        using var h = new PbxHarness(MediaAnchoring.Auto, relay: true);
        h.Register("102", OtherLanPhone, contactAt: new IPEndPoint(IPAddress.Parse("10.7.7.7"), 5060));
        Assert.IsType<ApplicationDecision>(h.Router.Route(Invite("101", "102", LanPhone), "101", "102", LanPhone));
    }

    [Theory]
    [InlineData(MediaAnchoring.Trunk)]
    [InlineData(MediaAnchoring.Never)]
    public void Other_modes_leave_the_remote_phone_proxied(MediaAnchoring mode)
    {
        using var h = new PbxHarness(mode, relay: true);
        h.Register("103", HomeRouter, contactAt: HomePhone);
        Assert.IsType<ProxyDecision>(h.Router.Route(Invite("101", "103", LanPhone), "101", "103", LanPhone));
    }
}
