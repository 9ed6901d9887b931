using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// Anchor's own addresses: what to write in Via, Record-Route and Contact, and whether a URI names Anchor itself
/// (the domain, a listening address, or the configured external address).
/// </summary>
public sealed class LocalAddresses
{
    private readonly SipTransportLayer _transport;
    private readonly string _domain;
    private readonly IPAddress? _external;
    private readonly ConcurrentDictionary<IPAddress, IPAddress> _routeCache = new();
    private readonly Lazy<HashSet<IPAddress>> _interfaceAddresses = new(() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address).ToHashSet());

    public LocalAddresses(SipTransportLayer transport, string domain, IPAddress? externalAddress)
    {
        _transport = transport;
        _domain = domain;
        _external = externalAddress;
    }

    /// <summary>The listening end point to name for traffic with <paramref name="remote"/> over <paramref name="transport"/>.</summary>
    public IPEndPoint For(TransportKind transport, IPEndPoint remote)
    {
        SipEndPoint? bound = _transport.LocalFor(transport, remote.AddressFamily)
            ?? _transport.LocalFor(TransportKind.Udp, remote.AddressFamily)
            ?? (_transport.LocalEndPoints.Count > 0 ? _transport.LocalEndPoints[0] : null);
        if (bound is null)
        {
            throw new InvalidOperationException("Not listening on anything");
        }

        IPAddress ip = bound.EndPoint.Address;
        if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
        {
            ip = _external ?? RouteTo(remote.Address);
        }

        return new IPEndPoint(ip, bound.EndPoint.Port);
    }

    /// <summary>
    /// The end point to name toward the Internet (a trunk): the external address when one is configured (Anchor behind
    /// the office router's NAT), else what <see cref="For"/> gives.
    /// </summary>
    public IPEndPoint Public(TransportKind transport, IPEndPoint remote)
    {
        IPEndPoint local = For(transport, remote);
        return _external is null || IPAddress.IsLoopback(remote.Address) ? local : new IPEndPoint(_external, local.Port);
    }

    /// <summary>"host:port" (IPv6 in brackets) for a Via sent-by or a URI.</summary>
    public static string HostPort(IPEndPoint ep) =>
        ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : $"{ep.Address}:{ep.Port}";

    /// <summary>True when the URI's host is the domain, a listening address or the external address (and the port, if any, is ours).</summary>
    public bool IsLocal(in SipUri uri)
    {
        string host = uri.HostString.Trim('[', ']');
        if (string.Equals(host, _domain, StringComparison.OrdinalIgnoreCase) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out IPAddress? ip) && IsLocal(ip, uri.Port);
    }

    /// <summary>True when <paramref name="ip"/> (and <paramref name="port"/>, unless 0) is one Anchor listens on.</summary>
    public bool IsLocal(IPAddress ip, int port)
    {
        foreach (SipEndPoint b in _transport.LocalEndPoints)
        {
            bool ipMatches = b.EndPoint.Address.Equals(ip) || ip.Equals(_external)
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
