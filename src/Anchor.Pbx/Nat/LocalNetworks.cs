using System.Net;
using System.Net.Sockets;

namespace Anchor.Pbx.Nat;

/// <summary>
/// The office's own networks (Sip:LocalNetworks, Asterisk's <c>local_net</c>): a peer inside them is reached at Anchor's
/// LAN address, one outside at the external address the router forwards. Loopback is always inside.
/// </summary>
public sealed class LocalNetworks
{
    /// <summary>RFC 1918, loopback, link-local, and their IPv6 kin (unique local, link-local): what a LAN uses.</summary>
    public static readonly IReadOnlyList<string> Defaults =
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10"];

    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    private readonly IPNetwork[] _networks;

    public LocalNetworks(IEnumerable<IPNetwork> networks)
    {
        _networks = networks.Concat(Loopback).Distinct().ToArray();
    }

    public static LocalNetworks Default { get; } = new(Defaults.Select(n => IPNetwork.Parse(n)));

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>Parses one entry: a CIDR (<c>192.168.1.0/24</c>) or a single address (taken as /32 or /128).</summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (!text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out IPAddress? single))
        {
            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(text, out network);
    }

    /// <summary>Whether <paramref name="address"/> is in the office's networks (an IPv4-mapped IPv6 address as its IPv4).</summary>
    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (IPNetwork n in _networks)
        {
            if (n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a party seen at <paramref name="source"/> that writes <paramref name="signalledHost"/> in its Contact (or
    /// SDP) is away from the office LAN: outside the local networks, or behind a NAT (it signals an address that is not
    /// where its packets come from). A host name proves nothing and is ignored.
    /// </summary>
    public bool IsAway(IPAddress source, string? signalledHost)
    {
        if (!Contains(source))
        {
            return true;
        }

        return IsNated(source, signalledHost);
    }

    /// <summary>Whether the address a party writes differs from the one its packets come from (a NAT rewrote them).</summary>
    public static bool IsNated(IPAddress source, string? signalledHost)
    {
        if (signalledHost is null || !IPAddress.TryParse(signalledHost.Trim('[', ']'), out IPAddress? signalled))
        {
            return false;
        }

        if (source.IsIPv4MappedToIPv6)
        {
            source = source.MapToIPv4();
        }

        return !signalled.Equals(source);
    }
}
