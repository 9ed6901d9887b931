using System.Globalization;
using System.Text;
using Anchor.Pbx.Proxy;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Calls;

/// <summary>
/// One side of a back-to-back call: the dialog state (RFC 3261 §12) Anchor keeps as a user agent on that side, and the
/// requests it builds inside it.
/// </summary>
internal sealed class CallLeg
{
    public required string CallId { get; init; }

    public required string LocalTag { get; init; }

    /// <summary>Our name-addr in this dialog, without tag.</summary>
    public required string LocalNameAddr { get; init; }

    /// <summary>The other party's name-addr, with its tag once known.</summary>
    public required string RemoteNameAddr { get; set; }

    /// <summary>Request-URI for requests in this dialog (the party's Contact, §12.1).</summary>
    public required string RemoteTarget { get; set; }

    /// <summary>Route set (§12.1.1/§12.1.2), in the order the Route headers are written.</summary>
    public List<string> RouteSet { get; set; } = [];

    /// <summary>Where requests for this party are sent: its source (NAT), the trunk proxy, or its registered binding.</summary>
    public required SipEndPoint Destination { get; set; }

    /// <summary>User part of the Contact Anchor gives this party.</summary>
    public required string ContactUser { get; init; }

    /// <summary>This side faces the ITSP: Via, Contact and SDP carry the external address when one is set.</summary>
    public bool FacesTrunk { get; init; }

    public uint LocalCSeq { get; set; }

    public uint RemoteCSeq { get; set; }

    /// <summary>Every key this leg's dialog is found by: Call-ID and our tag.</summary>
    public string Key => DialogKey(CallId, LocalTag);

    public static string DialogKey(string callId, string localTag) => callId + "\n" + localTag;

    public System.Net.IPEndPoint Self(LocalAddresses local) =>
        FacesTrunk ? local.Public(Destination.Transport, Destination.EndPoint) : local.For(Destination.Transport, Destination.EndPoint);

    public string Contact(LocalAddresses local) =>
        $"<sip:{ContactUser}@{LocalAddresses.HostPort(Self(local))}{(Destination.Transport == TransportKind.Tcp ? ";transport=tcp" : "")}>";

    /// <summary>A request in this dialog (or the initial INVITE, before the remote tag is known).</summary>
    public byte[] BuildRequest(LocalAddresses local, string method, uint cseq, string userAgent, ReadOnlySpan<byte> body = default,
        string? contentType = null, IEnumerable<KeyValuePair<string, string>>? headers = null, string? requestUri = null, int maxForwards = 70)
    {
        string self = LocalAddresses.HostPort(Self(local));
        var w = new SipMessageWriter(800 + body.Length);
        w.RequestLine(Encoding.ASCII.GetBytes(method), Encoding.UTF8.GetBytes(requestUri ?? RemoteTarget));
        w.Header("Via", $"SIP/2.0/{(Destination.Transport == TransportKind.Tcp ? "TCP" : "UDP")} {self};branch={SipIds.NewBranch()};rport");
        w.Header("Max-Forwards", maxForwards.ToString(CultureInfo.InvariantCulture));
        w.Header("From", $"{LocalNameAddr};tag={LocalTag}");
        w.Header("To", RemoteNameAddr);
        w.Header("Call-ID", CallId);
        w.Header("CSeq", $"{cseq} {method}");
        foreach (string r in RouteSet)
        {
            w.Header("Route", r);
        }

        if (method is "INVITE" or "UPDATE" or "SUBSCRIBE" or "REFER")
        {
            w.Header("Contact", Contact(local));
        }

        w.Header("User-Agent", userAgent);
        if (headers is not null)
        {
            foreach (var h in headers)
            {
                w.Header(h.Key, h.Value);
            }
        }

        return w.Finish(body, contentType);
    }
}
