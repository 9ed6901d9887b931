using System.Globalization;
using System.Net;
using Anchor.Sip.Message;

namespace Anchor.Sip.Transport;

/// <summary>A transport and an address: where Anchor listens (<c>udp:127.0.0.1:5060</c>, <c>tcp:[::1]:5060</c>) or where a message goes.</summary>
public sealed record SipEndPoint(TransportKind Transport, IPEndPoint EndPoint)
{
    public static SipEndPoint Parse(string text)
    {
        if (!TryParse(text, out SipEndPoint? ep, out string? error))
        {
            throw new FormatException(error);
        }

        return ep!;
    }

    /// <summary>Parses <c>udp:ADDRESS:PORT</c> / <c>tcp:ADDRESS:PORT</c>; IPv6 addresses in brackets.</summary>
    public static bool TryParse(string text, out SipEndPoint? endPoint, out string? error)
    {
        endPoint = null;
        error = null;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"'{text}' is not of the form udp:ADDRESS:PORT or tcp:ADDRESS:PORT";
            return false;
        }

        TransportKind t = text[..colon].ToLowerInvariant() switch
        {
            "udp" => TransportKind.Udp,
            "tcp" => TransportKind.Tcp,
            _ => TransportKind.Unknown,
        };
        if (t == TransportKind.Unknown)
        {
            error = $"'{text}': transport must be udp or tcp";
            return false;
        }

        string rest = text[(colon + 1)..];
        int portSep = rest.LastIndexOf(':');
        if (portSep <= 0 || (rest.StartsWith('[') && !rest[..portSep].EndsWith(']')))
        {
            error = $"'{text}': missing port (write [::1]:5060 for IPv6)";
            return false;
        }

        string host = rest[..portSep];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{text}': write IPv6 addresses in brackets, as [::1]:5060";
            return false;
        }

        if (!IPAddress.TryParse(host, out IPAddress? ip))
        {
            error = $"'{text}': '{host}' is not an IP address";
            return false;
        }

        if (!int.TryParse(rest[(portSep + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            error = $"'{text}': bad port";
            return false;
        }

        endPoint = new SipEndPoint(t, new IPEndPoint(ip, port));
        return true;
    }

    public override string ToString() =>
        $"{(Transport == TransportKind.Tcp ? "tcp" : "udp")}:{EndPoint}";
}
