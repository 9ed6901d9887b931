namespace Anchor.Sip.Message;

/// <summary>The transport named in a Via (§18, §20.42) or used by a connection.</summary>
public enum TransportKind : byte
{
    Unknown = 0,
    Udp,
    Tcp,
    Tls,
    Sctp,
    Ws,
    Wss,
}
