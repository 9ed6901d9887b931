using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Sip.Tests.Parsing;

/// <summary>The IPv6 cases of RFC 5118 (messages written for these tests, one per case).</summary>
public class Ipv6Tests
{
    private static SipParseResult Parse(string ruri, string via = "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111",
        string contact = "<sip:caller@[2001:db8::1]>") =>
        SipParser.ParseDatagram(Encoding.ASCII.GetBytes(
            $"REGISTER {ruri} SIP/2.0\r\nTo: <sip:user@example.com>\r\nFrom: <sip:user@example.com>;tag=81x2\r\n" +
            $"Via: {via}\r\nCall-ID: SSG9559905523997077@hlau_4100\r\nMax-Forwards: 70\r\nContact: {contact}\r\n" +
            "CSeq: 98176 REGISTER\r\nContent-Length: 0\r\n\r\n"));

    [Fact]
    public void Basic_ipv6_references_in_request_uri_via_and_contact()
    {
        SipParseResult r = Parse("sip:[2001:db8::10]");
        Assert.Equal(SipParseStatus.Complete, r.Status);
        SipMessage m = r.Message!;
        Assert.True(m.RequestUri.IsIPv6);
        Assert.Equal("[2001:db8::10]", m.RequestUri.HostString);
        Assert.Equal("[2001:db8::9:1]", m.TopVia.HostString);
        Assert.True(m.TryGetContact(out NameAddress c));
        Assert.Equal("[2001:db8::1]", c.Uri.HostString);
    }

    [Fact]
    public void Ipv6_address_without_brackets_is_rejected()
    {
        SipParseResult r = Parse("sip:2001:db8::10");
        Assert.Equal(SipParseStatus.Invalid, r.Status);
        Assert.Equal(400, r.ErrorStatus);
    }

    [Fact]
    public void Port_inside_or_outside_the_brackets()
    {
        // "[2001:db8::10:5070]" is an address with no port; "[2001:db8::10]:5070" is an address and a port.
        SipMessage inside = Parse("sip:[2001:db8::10:5070]").Message!;
        Assert.Equal(0, inside.RequestUri.Port);
        Assert.Equal("[2001:db8::10:5070]", inside.RequestUri.HostString);
        SipMessage outside = Parse("sip:[2001:db8::10]:5070").Message!;
        Assert.Equal(5070, outside.RequestUri.Port);
        Assert.Equal("[2001:db8::10]", outside.RequestUri.HostString);
    }

    [Fact]
    public void Received_in_via_as_ipv6_address_or_reference()
    {
        SipMessage a = Parse("sip:[2001:db8::10]", via: "SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111;received=2001:db8::9:255").Message!;
        Assert.Equal("2001:db8::9:255", Encoding.ASCII.GetString(a.TopVia.Received));
        Assert.Equal(6050, a.TopVia.Port);
        SipMessage b = Parse("sip:[2001:db8::10]", via: "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=[2001:db8::9:255]").Message!;
        Assert.Equal("[2001:db8::9:255]", Encoding.ASCII.GetString(b.TopVia.Received));
    }

    [Fact]
    public void Ipv4_mapped_ipv6_address()
    {
        SipMessage m = Parse("sip:[::ffff:192.0.2.10]", contact: "<sip:user@[::ffff:192.0.2.10]:19823>").Message!;
        Assert.Equal("[::ffff:192.0.2.10]", m.RequestUri.HostString);
        Assert.True(m.TryGetContact(out NameAddress c));
        Assert.Equal(19823, c.Uri.Port);
    }

    [Theory]
    [InlineData("sip:[2001:db8:::192.0.2.1]")]
    [InlineData("sip:[2001:db8::10::1]")]
    [InlineData("sip:[1:2:3:4:5:6:7:8:9]")]
    [InlineData("sip:[2001:db8::1g]")]
    [InlineData("sip:[2001:db8::10")]
    [InlineData("sip:[::ffff:192.0.2.300]")]
    public void Malformed_ipv6_references_are_rejected(string ruri)
    {
        SipParseResult r = Parse(ruri);
        Assert.Equal(SipParseStatus.Invalid, r.Status);
        Assert.Equal(400, r.ErrorStatus);
    }

    [Theory]
    [InlineData("sip:[::1]")]
    [InlineData("sip:[::]")]
    [InlineData("sip:[1:2:3:4:5:6:7:8]")]
    [InlineData("sip:[fe80::1:2:3:4:5]:5060")]
    public void Well_formed_ipv6_references_parse(string ruri) =>
        Assert.Equal(SipParseStatus.Complete, Parse(ruri).Status);
}
