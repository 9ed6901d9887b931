using System.Net;
using System.Net.Sockets;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Sip;

/// <summary>
/// The stack's logs on per-message paths (a malformed flood, stray responses, refused requests, send failures):
/// generated, so a disabled level costs one check and no boxing. Arguments that cost something to make are made
/// only under <see cref="ILogger.IsEnabled"/> by the caller.
/// </summary>
internal static partial class SipLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Malformed request from {Remote}: {Reason}")]
    public static partial void MalformedRequest(ILogger log, IPEndPoint remote, string? reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Dropped malformed message from {Remote}: {Reason}")]
    public static partial void DroppedMalformed(ILogger log, IPEndPoint remote, string? reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Dropped a response nobody asked for from {Remote}")]
    public static partial void StrayResponse(ILogger log, IPEndPoint remote);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Method} refused: {Status} {Reason}")]
    public static partial void Refused(ILogger log, string method, int status, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Transport error sending to {Destination}")]
    public static partial void TransportError(ILogger log, SipEndPoint destination);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "No ACK for the final response to {CallId}")]
    public static partial void NoAck(ILogger log, string callId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "UDP send to {Remote} failed: {Error}")]
    public static partial void UdpSendFailed(ILogger log, IPEndPoint remote, SocketError error);
}
