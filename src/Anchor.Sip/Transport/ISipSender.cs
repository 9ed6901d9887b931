namespace Anchor.Sip.Transport;

/// <summary>Sends one message. False when the transport could not (no route, connection refused or lost): §17.1.4 transport error.</summary>
public interface ISipSender
{
    ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, SipEndPoint destination);
}
