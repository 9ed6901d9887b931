using System.Net;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Location;

/// <summary>
/// One registered contact of an address of record (RFC 3261 §10), with where the REGISTER really came from: a phone
/// behind NAT is reached at <see cref="Source"/>, not at the private address in its Contact.
/// </summary>
public sealed record Binding(
    string Aor,
    string ContactUri,
    DateTimeOffset ExpiresAt,
    string CallId,
    uint CSeq,
    SipEndPoint Source,
    int QValue,
    string? InstanceId,
    string? UserAgent)
{
    /// <summary>The address requests for this binding are sent to: the source of its REGISTER (symmetric signalling).</summary>
    public SipEndPoint Target => Source;

    public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;

    public int RemainingSeconds(DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((ExpiresAt - now).TotalSeconds));

    public static SipEndPoint ParseSource(string transport, string ip, int port) =>
        new(transport == "tcp" ? TransportKind.Tcp : TransportKind.Udp, new IPEndPoint(IPAddress.Parse(ip), port));
}
