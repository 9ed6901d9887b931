using System.Globalization;
using System.Net;
using Anchor.Pbx.Trunks;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;
using DnsClient;
using DnsClient.Protocol;

namespace Anchor.Configuration;

/// <summary>
/// Turns Trunks[] settings into <see cref="TrunkOptions"/>, resolving each proxy (RFC 3263 in part): an IP address is
/// used as given; a host name with a port is looked up (A/AAAA); a host name without a port is looked up as
/// <c>_sip._udp</c>/<c>_sip._tcp</c> SRV first (lowest priority, then highest weight), else A/AAAA on 5060.
/// </summary>
internal static class TrunkResolver
{
    public static async Task<(List<TrunkOptions> Trunks, List<string> Errors)> ResolveAsync(AnchorSettings settings)
    {
        var trunks = new List<TrunkOptions>();
        var errors = new List<string>();
        for (int i = 0; i < settings.Trunks.Count; i++)
        {
            TrunkSettings t = settings.Trunks[i];
            (SipEndPoint? proxy, IReadOnlyList<IPAddress> all, string? error) = await ResolveProxyAsync(t.Proxy!).ConfigureAwait(false);
            if (proxy is null)
            {
                errors.Add($"Trunks[{i}].Proxy: \"{t.Proxy}\": {error}");
                continue;
            }

            trunks.Add(new TrunkOptions
            {
                Name = t.Name!,
                Proxy = proxy,
                ProxyAddresses = all,
                Domain = t.Domain!,
                Username = t.Username!,
                AuthUsername = string.IsNullOrEmpty(t.AuthUsername) ? null : t.AuthUsername,
                Password = t.Password!,
                Register = t.Register,
                RegisterExpires = t.RegisterExpires,
                Dids = t.Dids,
                Inbound = t.Inbound,
                CallerId = t.CallerId,
                MaxCalls = t.MaxCalls,
                ResponseTimeout = TimeSpan.FromSeconds(t.ResponseTimeoutSeconds),
                KeepAlive = TimeSpan.FromSeconds(t.KeepAliveSeconds),
            });
        }

        return (trunks, errors);
    }

    internal static async Task<(SipEndPoint? Proxy, IReadOnlyList<IPAddress> All, string? Error)> ResolveProxyAsync(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        TransportKind transport = text[..colon].Equals("tcp", StringComparison.OrdinalIgnoreCase) ? TransportKind.Tcp : TransportKind.Udp;
        string hostPort = text[(colon + 1)..];
        string host = hostPort;
        int port = 0;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']', StringComparison.Ordinal);
            host = hostPort[1..close];
            if (close + 1 < hostPort.Length)
            {
                port = int.Parse(hostPort[(close + 2)..], CultureInfo.InvariantCulture);
            }
        }
        else if (hostPort.LastIndexOf(':') is int c and > 0)
        {
            host = hostPort[..c];
            port = int.Parse(hostPort[(c + 1)..], CultureInfo.InvariantCulture);
        }

        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return (new SipEndPoint(transport, new IPEndPoint(ip, port == 0 ? 5060 : port)), [ip], null);
        }

        try
        {
            if (port == 0)
            {
                var lookup = new LookupClient(new LookupClientOptions { Timeout = TimeSpan.FromSeconds(3), Retries = 1 });
                string name = (transport == TransportKind.Tcp ? "_sip._tcp." : "_sip._udp.") + host;
                IDnsQueryResponse srv = await lookup.QueryAsync(name, QueryType.SRV).ConfigureAwait(false);
                SrvRecord? best = srv.Answers.SrvRecords().OrderBy(r => r.Priority).ThenByDescending(r => r.Weight).FirstOrDefault();
                if (best is not null)
                {
                    IPAddress[] targets = await Dns.GetHostAddressesAsync(best.Target.Value.TrimEnd('.')).ConfigureAwait(false);
                    if (targets.Length > 0)
                    {
                        return (new SipEndPoint(transport, new IPEndPoint(targets[0], best.Port)), targets, null);
                    }
                }
            }

            IPAddress[] addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                return (null, [], "the host name has no address");
            }

            IPAddress first = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses[0];
            return (new SipEndPoint(transport, new IPEndPoint(first, port == 0 ? 5060 : port)), addresses, null);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or DnsResponseException or ArgumentException)
        {
            return (null, [], "cannot resolve the host name: " + e.Message);
        }
    }
}
