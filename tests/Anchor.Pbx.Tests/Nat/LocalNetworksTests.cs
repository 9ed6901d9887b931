using System.Net;
using Anchor.Pbx.Nat;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Tests.Nat;

/// <summary>Sip:LocalNetworks, the address Anchor names toward each peer behind the office router, and who is "away".</summary>
public class LocalNetworksTests
{
    private static readonly IPAddress Public = IPAddress.Parse("198.51.100.1");

    [Theory]
    [InlineData("192.168.1.0/24", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("198.18.0.10", true)]        // one address: /32
    [InlineData("2001:db8::/32", true)]
    [InlineData(" 172.16.0.0/12 ", true)]
    [InlineData("192.168.1.0/33", false)]
    [InlineData("office-lan", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Parses_cidrs_and_single_addresses(string? text, bool ok) => Assert.Equal(ok, LocalNetworks.TryParse(text, out _));

    [Theory]
    [InlineData("192.168.1.20", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.31.255.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::5", true)]
    [InlineData("::ffff:192.168.1.20", true)] // IPv4-mapped on a dual-stack socket
    [InlineData("198.51.100.7", false)]
    [InlineData("203.0.113.5", false)]
    [InlineData("2001:db8::1", false)]
    public void Defaults_are_rfc1918_loopback_and_link_local(string address, bool local) =>
        Assert.Equal(local, LocalNetworks.Default.Contains(IPAddress.Parse(address)));

    [Fact]
    public void Configured_networks_replace_the_defaults_but_loopback_stays_local()
    {
        var nets = new LocalNetworks([IPNetwork.Parse("198.18.0.0/24")]);
        Assert.True(nets.Contains(IPAddress.Parse("198.18.0.11")));
        Assert.False(nets.Contains(IPAddress.Parse("198.19.0.50")));
        Assert.False(nets.Contains(IPAddress.Parse("192.168.1.2")));
        Assert.True(nets.Contains(IPAddress.Loopback));
    }

    [Fact]
    public void An_address_with_its_mask_means_its_network()
    {
        Assert.True(LocalNetworks.TryParse("198.18.0.10/24", out IPNetwork n));
        var nets = new LocalNetworks([n]);
        Assert.True(nets.Contains(IPAddress.Parse("198.18.0.99")));
        Assert.False(nets.Contains(IPAddress.Parse("198.18.1.1")));
    }

    [Theory]
    [InlineData("198.18.0.11", "198.18.0.11", false)]   // a LAN phone
    [InlineData("198.18.0.11", "phone.office.test", false)] // a name proves nothing
    [InlineData("198.18.0.11", null, false)]
    [InlineData("198.18.0.11", "10.9.9.9", true)]       // writes another address than it comes from: behind a NAT
    [InlineData("203.0.113.129", "198.19.0.50", true)]  // the home worker: outside and NATed
    [InlineData("203.0.113.20", "203.0.113.20", true)]  // outside, with a public address of its own
    [InlineData("198.18.0.12", "[2001:db8::1]", true)]
    public void Away_is_outside_the_lan_or_behind_a_nat(string source, string? contactHost, bool away) =>
        Assert.Equal(away, new LocalNetworks([IPNetwork.Parse("198.18.0.0/24")]).IsAway(IPAddress.Parse(source), contactHost));

    [Theory]
    [InlineData("198.18.0.11", "198.18.0.10")]   // a LAN phone: the LAN address
    [InlineData("127.0.0.1", "198.18.0.10")]
    [InlineData("203.0.113.10", "198.51.100.1")] // the ITSP: the router's public address, same port
    [InlineData("203.0.113.129", "198.51.100.1")] // the home worker's router
    public void Names_the_lan_address_inside_and_the_public_one_outside(string remote, string expected)
    {
        var local = new LocalAddresses(() => [new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("198.18.0.10"), 5060))], "pbx.test", Public,
            new LocalNetworks([IPNetwork.Parse("198.18.0.0/24")]));
        IPEndPoint self = local.For(TransportKind.Udp, new IPEndPoint(IPAddress.Parse(remote), 5060));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(expected), 5060), self);
    }

    [Fact]
    public void Without_an_external_address_every_peer_gets_the_listening_one()
    {
        var local = new LocalAddresses(() => [new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("198.18.0.10"), 5060))], "pbx.test", null);
        Assert.Equal(IPAddress.Parse("198.18.0.10"), local.For(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.10"), 5060)).Address);
        Assert.False(local.ThroughRouter(IPAddress.Parse("203.0.113.10")));
    }

    [Fact]
    public void With_the_default_networks_a_private_lan_is_inside()
    {
        var local = new LocalAddresses(() => [new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.168.1.10"), 5060))], "pbx.test", Public);
        Assert.Equal(IPAddress.Parse("192.168.1.10"), local.For(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.168.1.31"), 5062)).Address);
        Assert.Equal(Public, local.For(TransportKind.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.10"), 5060)).Address);
    }
}
