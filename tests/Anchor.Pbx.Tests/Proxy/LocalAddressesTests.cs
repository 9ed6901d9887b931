using System.Net;
using System.Text;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Auth;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Tests.Proxy;

/// <summary>What designates Anchor (RFC 3261 §16.4, §19.1.4) and which digest uri it accepts (RFC 2617 §3.2.2).</summary>
public class LocalAddressesTests
{
    private static readonly IPAddress External = IPAddress.Parse("203.0.113.9");

    private static LocalAddresses Local(string domain, int port = 5070) =>
        new(() => [new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, port)), new SipEndPoint(TransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, port))],
            domain, External);

    [Theory]
    [InlineData("sip:102@pbx.test", true)]              // the domain, a name, with no port
    [InlineData("sip:102@PBX.test:5070", true)]         // ... or with a port Anchor listens on
    [InlineData("sip:102@pbx.test:5080", false)]
    [InlineData("sip:127.0.0.1:5070", true)]            // a listening address and port
    [InlineData("sip:127.0.0.1", false)]                // no port is 5060, which Anchor is not on
    [InlineData("sip:127.0.0.1:15070", false)]          // a phone on Anchor's own host
    [InlineData("sip:203.0.113.9:5070;transport=udp", true)] // the external address
    [InlineData("sip:localhost:5070", true)]
    [InlineData("sip:localhost", false)]
    [InlineData("sip:elsewhere.test", false)]
    [InlineData("tel:+15551234", false)]
    public void Designates_anchor_by_host_and_port(string uri, bool local) =>
        Assert.Equal(local, Local("pbx.test").IsLocal(SipUri.Parse(uri)));

    [Theory]
    [InlineData("sip:127.0.0.1:5070", true)]
    [InlineData("sip:127.0.0.1:15070", false)] // the issue: Sip:Domain an IP, a softphone on the same machine
    [InlineData("sip:102@127.0.0.1:15070", false)]
    [InlineData("sip:102@127.0.0.1", false)]
    public void A_domain_that_is_an_address_is_an_address(string uri, bool local) =>
        Assert.Equal(local, Local("127.0.0.1").IsLocal(SipUri.Parse(uri)));

    [Fact]
    public void Anchor_on_the_default_port_is_named_without_one() =>
        Assert.True(Local("127.0.0.1", port: 5060).IsLocal(SipUri.Parse("sip:101@127.0.0.1")));

    public static TheoryData<string, string, bool> DigestUris => new()
    {
        { "sip:102@pbx.test", "sip:102@pbx.test", true },             // the Request-URI itself
        { "sip:102@pbx.test", "sip:127.0.0.1:5070", true },           // SIPp: where it sent the request
        { "sip:102@pbx.test", "sip:127.0.0.1", true },                // a listening address without port
        { "sip:102@pbx.test", "sip:pbx.test", true },                 // the domain, no user
        { "sip:102@pbx.test", "sip:999@pbx.test:5999", true },        // the domain, whatever user and port
        { "sip:102@pbx.test", "sip:102@203.0.113.9", true },          // the external address: a router rewrote the Request-URI
        { "sip:102@pbx.test", "sip:102@203.0.113.9:5060;transport=udp", true },
        { "sip:102@pbx.test", "sip:102@evil.test", false },           // some other host
        { "sip:102@pbx.test", "sip:198.51.100.1:5070", false },
        { "sip:102@pbx.test", "tel:102", false },
    };

    [Theory]
    [MemberData(nameof(DigestUris))]
    public void Digest_uri_is_accepted_when_it_designates_this_server(string requestUri, string digestUri, bool accepted)
    {
        LocalAddresses local = Local("pbx.test");
        var auth = new DigestAuthenticator("pbx.test", servedUri: u => local.NamesUs(u));
        var client = new DigestClient("101", "s3cret-101");
        SipMessage challenge = Parse(Encoding.UTF8.GetString(
            SipResponseBuilder.Build(Parse(Invite(requestUri)), 407, "Proxy Authentication Required",
                new ReceivedFrom(new IPEndPoint(IPAddress.Loopback, 5062), TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5070)), "t",
                auth.ChallengeHeaders(proxy: true))));
        string credentials = client.Answer(challenge, "INVITE", digestUri)!.Value.Value;
        DigestResult r = auth.Verify(Parse(Invite(requestUri, credentials)), proxy: true, u => u == "101" ? "s3cret-101" : null);
        Assert.Equal(accepted ? DigestOutcome.Authenticated : DigestOutcome.Rejected, r.Outcome);
        if (!accepted)
        {
            Assert.Contains("names neither the Request-URI nor this server", r.Reason, StringComparison.Ordinal);
        }
    }

    private static SipMessage Parse(string s) => SipParser.ParseDatagram(Encoding.UTF8.GetBytes(s)).Message!;

    private static string Invite(string uri, string? credentials = null) =>
        $"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK{Guid.NewGuid():N}\r\nMax-Forwards: 70\r\n" +
        "To: <sip:102@pbx.test>\r\nFrom: <sip:101@pbx.test>;tag=1\r\nCall-ID: inv1\r\nCSeq: 1 INVITE\r\n" +
        (credentials is null ? "" : $"Proxy-Authorization: {credentials}\r\n") + "Content-Length: 0\r\n\r\n";
}
