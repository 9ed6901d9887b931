using System.Net;

namespace Anchor.Sip.Transport;

/// <summary>
/// Decides, before a byte is parsed, whether traffic from a source is taken at all: the hook for bans and per-source
/// rate limits (Kamailio's pike). Called on the receive path for every datagram, every TCP message and every accepted
/// connection, so it must be cheap and must not block.
/// </summary>
public interface ISourceFilter
{
    bool Admit(IPEndPoint source);
}
