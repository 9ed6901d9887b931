using Anchor.Sip.Parsing;

namespace Anchor.Sip.Transport;

public sealed record SipTransportOptions
{
    public SipParserLimits Limits { get; init; } = SipParserLimits.Default;

    /// <summary>Socket buffers: ~100 ms of a busy PBX's traffic (PERF-NOTES: size to 50–100 ms).</summary>
    public int SocketBufferBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>A TCP connection with no traffic for this long is closed.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>A TCP message begun but not completed within this time closes the connection (slowloris guard).</summary>
    public TimeSpan TcpMessageTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan TcpConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxTcpConnections { get; init; } = 4096;

    /// <summary>Messages queued for one TCP peer before it counts as not reading and is disconnected.</summary>
    public int TcpSendQueueLimit { get; init; } = 1024;

    /// <summary>
    /// On 64-bit Linux, UDP is received in batches with recvmmsg(2) into buffers allocated once (PERF-NOTES); elsewhere,
    /// or when false, one <c>ReceiveFrom</c> per datagram.
    /// </summary>
    public bool UdpFastPath { get; init; } = true;

    /// <summary>The Server header on stateless error responses. No version by default.</summary>
    public string ServerHeader { get; init; } = "Anchor";
}
