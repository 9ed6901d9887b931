using System.Net;
using Anchor.Pbx.Nat;

namespace Anchor.Pbx.Tests.Nat;

/// <summary>STUN Binding (RFC 5389) as Anchor speaks it: the request's bytes, the mapped address of real and RFC responses.</summary>
public class StunTests
{
    // Kamailio 5.6's stun module answering a Binding request from 127.0.0.1:42553 (captured here): XOR-MAPPED-ADDRESS, then SOFTWARE.
    private const string KamailioResponse =
        "010100382112a442f5ca3cf3722a577e3db940dc002000080001872b5e12a443802200275365727665723a206b616d61696c696f2028352e362e3320287838365f36342f6c696e7578292900";

    private static readonly byte[] KamailioId = Convert.FromHexString("f5ca3cf3722a577e3db940dc");

    [Fact]
    public void The_request_is_a_bare_binding_request_with_the_magic_cookie()
    {
        byte[] id = Convert.FromHexString("b7e7a701bc34d686fa87dfae");
        Assert.Equal("000100002112a442b7e7a701bc34d686fa87dfae", Convert.ToHexString(Stun.Request(id)).ToLowerInvariant());
    }

    [Fact]
    public void A_new_request_gets_a_random_transaction_id()
    {
        byte[] a = new byte[12], b = new byte[12];
        byte[] first = Stun.NewRequest(a), second = Stun.NewRequest(b);
        Assert.Equal(a, first[8..]);
        Assert.NotEqual(a, b);
        Assert.Equal(first[..8], second[..8]);
    }

    [Fact]
    public void Reads_kamailios_answer() =>
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 42553), Stun.MappedEndPoint(Convert.FromHexString(KamailioResponse), KamailioId));

    [Fact]
    public void Reads_the_xor_mapped_address_of_rfc_5769s_sample_response()
    {
        // RFC 5769 §2.2: SOFTWARE "test vector ", XOR-MAPPED-ADDRESS 192.0.2.1:32853 (integrity and fingerprint left out).
        byte[] m = Convert.FromHexString("0101001c2112a442b7e7a701bc34d686fa87dfae" + "8022000b7465737420766563746f7220" + "002000080001a147e112a643");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), Stun.MappedEndPoint(m, Convert.FromHexString("b7e7a701bc34d686fa87dfae")));
    }

    [Fact]
    public void Reads_an_ipv6_xor_mapped_address()
    {
        // 2001:db8:1234:5678:11:2233:4455:6677 port 32853 XORed with the cookie and the transaction ID (RFC 5769 §2.3's values).
        byte[] id = Convert.FromHexString("b7e7a701bc34d686fa87dfae");
        byte[] key = [.. Convert.FromHexString("2112a442"), .. id];
        byte[] address = IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677").GetAddressBytes();
        byte[] xored = address.Select((b, i) => (byte)(b ^ key[i])).ToArray();
        byte[] m = [.. Convert.FromHexString("010100182112a442"), .. id, .. Convert.FromHexString("002000140002a147"), .. xored];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), Stun.MappedEndPoint(m, id));
    }

    [Fact]
    public void Reads_the_plain_mapped_address_of_an_rfc_3489_server()
    {
        byte[] m = Convert.FromHexString("0101000c2112a442" + "f5ca3cf3722a577e3db940dc" + "000100080001e3e1c6336401");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 58337), Stun.MappedEndPoint(m, KamailioId));
    }

    [Theory]
    [InlineData("010100002112a442000000000000000000000000")]  // another transaction
    [InlineData("011100002112a442f5ca3cf3722a577e3db940dc")]  // a Binding error response
    [InlineData("010100082112a442f5ca3cf3722a577e3db940dc")]  // says 8 bytes of attributes, has none
    [InlineData("010100082112a442f5ca3cf3722a577e3db940dc00200010")] // an attribute longer than the message
    [InlineData("01010008deadbeeff5ca3cf3722a577e3db940dc0020000800018")] // no magic cookie (and odd)
    [InlineData("0101")]
    [InlineData("")]
    [InlineData("494e56495445207369703a313031407062782e7465737420534950")] // "INVITE sip:..." is not STUN
    public void Anything_else_is_no_answer(string hex)
    {
        if (hex.Length % 2 == 1)
        {
            hex += "0";
        }

        Assert.Null(Stun.MappedEndPoint(Convert.FromHexString(hex), KamailioId));
    }
}
