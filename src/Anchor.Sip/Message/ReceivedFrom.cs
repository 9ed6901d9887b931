using System.Net;

namespace Anchor.Sip.Message;

/// <summary>Where a message came from: the peer's address as the transport saw it, and over which transport (§18.2.1).</summary>
public readonly record struct ReceivedFrom(IPEndPoint Remote, TransportKind Transport, IPEndPoint Local)
{
    public static readonly ReceivedFrom None = new(new IPEndPoint(IPAddress.None, 0), TransportKind.Unknown, new IPEndPoint(IPAddress.None, 0));
}
