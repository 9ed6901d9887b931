using System.Net;
using System.Text;
using Anchor.Pbx.Location;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Proxy;

/// <summary>Route processing (§16.4, §16.12): where a request in a dialog may go, and which Routes name Anchor.</summary>
public sealed partial class ProxyCore
{
    /// <summary>
    /// Route processing for a request in a dialog (§16.4, §16.12): the top Route must be Anchor's own, carrying a token
    /// Anchor issued for this Call-ID and tags. The next hop is then the caller's (the hop the token names) or a
    /// registered phone; never Anchor itself, a trunk's proxy, or any other host. Null when the request is refused.
    /// </summary>
    private SipEndPoint? InDialogHop(SipMessage req, IPEndPoint source)
    {
        NameAddress top = default, second = default;
        int count = 0;
        foreach (var item in req.EnumerateValues(HeaderKind.Route))
        {
            if (count == 2 || !req.TryParseNameAddress(item, out NameAddress r))
            {
                return Refuse(req, source, count == 2 ? "a Route set past its parties" : "an unreadable Route");
            }

            if (count++ == 0)
            {
                top = r;
            }
            else
            {
                second = r;
            }
        }

        if (count == 0 || !_local.IsLocal(top.Uri) || !top.Uri.TryGetParameter(DialogTokens.ParameterName, out ReadOnlySpan<byte> token))
        {
            return Refuse(req, source, "no Route through Anchor");
        }

        SipUri next = count == 2 ? second.Uri : req.RequestUri;
        DialogProof proof = _tokens.Check(token, req.CallId, req.From.Tag, req.To.Tag, next);
        if (proof == DialogProof.None)
        {
            return Refuse(req, source, "a Route token Anchor did not issue for this dialog");
        }

        if (_local.IsLocal(next))
        {
            return Refuse(req, source, "addressed to Anchor itself");
        }

        // A phone's Contact is where it registered from: reach it at its NAT binding when we know one.
        Binding? binding = count == 1 ? _location.FindByTarget(next) : null;
        SipEndPoint? dest = binding?.Target ?? (proof == DialogProof.TowardCaller ? UriDestination(next) : null);
        if (dest is null)
        {
            return Refuse(req, source, "a next hop that is neither the caller nor a registered phone");
        }

        if (Router?.TrunkFrom(dest.EndPoint) is not null)
        {
            return Refuse(req, source, "a next hop that is a trunk's proxy");
        }

        return dest;
    }

    private SipEndPoint? Refuse(SipMessage req, IPEndPoint source, string why)
    {
        PbxLog.InDialogRefused(_log, MethodName(req), source, why);
        return null;
    }

    private static SipEndPoint? UriDestination(in SipUri uri)
    {
        if (!uri.IsSip || !IPAddress.TryParse(uri.HostString.Trim('[', ']'), out IPAddress? ip))
        {
            return null; // host names need RFC 3263 resolution, which arrives with trunks
        }

        TransportKind t = uri.TryGetParameter("transport"u8, out ReadOnlySpan<byte> tp) && Ascii.EqualsIgnoreCase(tp, "tcp"u8)
            ? TransportKind.Tcp : TransportKind.Udp;
        return new SipEndPoint(t, new IPEndPoint(ip, uri.Port == 0 ? 5060 : uri.Port));
    }

    private static SipEndPoint? ViaDestination(in SipVia via)
    {
        string host = via.Received.IsEmpty ? via.HostString : Encoding.ASCII.GetString(via.Received);
        if (!IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip))
        {
            return null;
        }

        // Never answer toward a broadcast or multicast address (RFC 4475 §3.3.10: an amplification attack).
        if (ip.Equals(IPAddress.Broadcast) || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ip.GetAddressBytes()[0] >= 224))
        {
            return null;
        }

        int port = via.RPort > 0 ? via.RPort : via.Port == 0 ? 5060 : via.Port;
        return new SipEndPoint(via.Transport == TransportKind.Tcp ? TransportKind.Tcp : TransportKind.Udp, new IPEndPoint(ip, port));
    }

    /// <summary>True when the request has no Route, or every Route entry names Anchor.</summary>
    public bool RoutesOnlyToUs(SipMessage req)
    {
        foreach (var item in req.EnumerateValues(HeaderKind.Route))
        {
            if (!req.TryParseNameAddress(item, out NameAddress r) || !_local.IsLocal(r.Uri))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsOurVia(in SipVia via) =>
        IPAddress.TryParse(via.HostString.Trim('[', ']'), out IPAddress? ip) && _local.IsLocal(ip, via.Port == 0 ? 5060 : via.Port);
}
