using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Anchor.Pbx.Nat;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// Anchor's own addresses: what to write in Via, Record-Route and Contact, and whether a URI names Anchor itself
/// (the domain, a listening address, or the configured external address). Behind the office router's NAT a peer outside
/// <see cref="Networks"/> is given the external address (Sip:ExternalAddress), one inside the LAN address.
/// </summary>
public sealed class LocalAddresses
{
    private readonly Func<IReadOnlyList<SipEndPoint>> _bound;
    private readonly string _domain;
    private readonly bool _domainIsAddress;
    private volatile IPAddress? _external;
    private readonly IPAddress? _mediaExternal;
    private readonly ConcurrentDictionary<IPAddress, IPAddress> _routeCache = new();
    private readonly Lazy<HashSet<IPAddress>> _interfaceAddresses = new(() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address).ToHashSet());

    public LocalAddresses(SipTransportLayer transport, string domain, IPAddress? externalAddress, LocalNetworks? networks = null, IPAddress? mediaExternal = null)
        : this(() => transport.LocalEndPoints, domain, externalAddress, networks, mediaExternal)
    {
    }

    /// <param name="bound">The end points Anchor listens on (read when needed: they are known once the transports start).</param>
    /// <param name="mediaExternal">Media:ExternalAddress, when the media's public address is not the signalling's.</param>
    public LocalAddresses(Func<IReadOnlyList<SipEndPoint>> bound, string domain, IPAddress? externalAddress, LocalNetworks? networks = null,
        IPAddress? mediaExternal = null)
    {
        _bound = bound;
        _domain = domain;
        _domainIsAddress = IPAddress.TryParse(domain.Trim('[', ']'), out _);
        _external = externalAddress;
        _mediaExternal = mediaExternal;
        Networks = networks ?? LocalNetworks.Default;
    }

    /// <summary>The office router's public address (Sip:ExternalAddress, or what STUN said); null: not behind a NAT.</summary>
    public IPAddress? External
    {
        get => _external;
        set => _external = value;
    }

    /// <summary>The address to write in SDP toward peers beyond the router: Media:ExternalAddress, else <see cref="External"/>.</summary>
    public IPAddress? MediaExternal => _mediaExternal ?? _external;

    /// <summary>The office's networks: peers in them are on the LAN side of the router.</summary>
    public LocalNetworks Networks { get; }

    /// <summary>Whether <paramref name="remote"/> is reached through the office router (outside the local networks, an external address set).</summary>
    public bool ThroughRouter(IPAddress remote) => Beyond(_external, remote) is not null;

    /// <summary>The address for SDP toward <paramref name="remote"/> when it is beyond the router; null when it is not.</summary>
    public IPAddress? MediaThroughRouter(IPAddress remote) => Beyond(MediaExternal, remote);

    /// <summary><paramref name="external"/> when there is one and <paramref name="remote"/> is outside the office's networks; else null.</summary>
    private IPAddress? Beyond(IPAddress? external, IPAddress remote) => external is not null && !Networks.Contains(remote) ? external : null;

    /// <summary>The listening end point to name for traffic with <paramref name="remote"/> over <paramref name="transport"/>.</summary>
    public IPEndPoint For(TransportKind transport, IPEndPoint remote)
    {
        IReadOnlyList<SipEndPoint> all = _bound();
        SipEndPoint? bound = all.FirstOrDefault(b => b.Transport == transport && b.EndPoint.AddressFamily == remote.AddressFamily)
            ?? all.FirstOrDefault(b => b.Transport == TransportKind.Udp && b.EndPoint.AddressFamily == remote.AddressFamily)
            ?? (all.Count > 0 ? all[0] : null);
        if (bound is null)
        {
            throw new InvalidOperationException("Not listening on anything");
        }

        IPAddress ip = bound.EndPoint.Address;
        if (Beyond(_external, remote.Address) is { } external)
        {
            ip = external; // the router forwards the same port to Anchor
        }
        else if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
        {
            ip = RouteTo(remote.Address);
        }

        return new IPEndPoint(ip, bound.EndPoint.Port);
    }

    /// <summary>"host:port" (IPv6 in brackets) for a Via sent-by or a URI.</summary>
    public static string HostPort(IPEndPoint ep) =>
        ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : $"{ep.Address}:{ep.Port}";

    /// <summary>
    /// Whether a URI designates Anchor itself (RFC 3261 §16.4, §19.1.4): an address URI only when its host <em>and</em> port
    /// (5060 when none is written, 5061 for sips) are one Anchor listens on or its external address; the domain, when it is
    /// a name, with no port or one of the ports Anchor listens on. A domain that is an IP address is an address like any
    /// other: with <c>Sip:Domain = 192.168.1.10</c>, a softphone on the PBX's own machine at 192.168.1.10:5070 is not Anchor.
    /// </summary>
    public bool IsLocal(in SipUri uri)
    {
        if (!uri.IsSip)
        {
            return false;
        }

        string host = uri.HostString.Trim('[', ']');
        int port = uri.Port != 0 ? uri.Port : uri.Scheme == UriScheme.Sips ? 5061 : 5060;
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return IsLocal(ip, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IsLocal(IPAddress.Loopback, port) || IsLocal(IPAddress.IPv6Loopback, port);
        }

        return !_domainIsAddress && string.Equals(host, _domain, StringComparison.OrdinalIgnoreCase) && (uri.Port == 0 || IsLocal(null, uri.Port));
    }

    /// <summary>
    /// Whether a URI's host names Anchor, whatever its port and user part: the domain, a listening address, the external
    /// address. For what a client wrote about where it sent a request (the digest <c>uri</c>, a REGISTER's Request-URI),
    /// not for routing.
    /// </summary>
    public bool NamesUs(in SipUri uri)
    {
        if (!uri.IsSip)
        {
            return false;
        }

        string host = uri.HostString.Trim('[', ']');
        if (string.Equals(host, _domain, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IsLocal(IPAddress.Loopback, 0) || IsLocal(IPAddress.IPv6Loopback, 0);
        }

        return IPAddress.TryParse(host, out IPAddress? ip) && IsLocal(ip, 0);
    }

    /// <summary>
    /// True when Anchor listens on <paramref name="ip"/> and <paramref name="port"/> (0: any port), or <paramref name="ip"/>
    /// is the external address and the port one Anchor listens on; a null <paramref name="ip"/> asks about the port alone.
    /// </summary>
    public bool IsLocal(IPAddress? ip, int port)
    {
        foreach (SipEndPoint b in _bound())
        {
            bool ipMatches = ip is null || b.EndPoint.Address.Equals(ip) || ip.Equals(_external)
                || ((b.EndPoint.Address.Equals(IPAddress.Any) || b.EndPoint.Address.Equals(IPAddress.IPv6Any)) && IsInterfaceAddress(ip));
            if (ipMatches && (port == 0 || port == b.EndPoint.Port))
            {
                return true;
            }
        }

        return false;
    }

    private IPAddress RouteTo(IPAddress remote) => _routeCache.GetOrAdd(remote, static r =>
    {
        // The kernel's choice of source address for this destination: connect() on UDP sends nothing.
        using var s = new Socket(r.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        s.Connect(new IPEndPoint(r, 9));
        return ((IPEndPoint)s.LocalEndPoint!).Address;
    });

    /// <summary>Interface addresses are read once: asking the OS on every request to a 0.0.0.0 listener is a syscall storm.</summary>
    private bool IsInterfaceAddress(IPAddress ip) => IPAddress.IsLoopback(ip) || _interfaceAddresses.Value.Contains(ip);
}
