using Anchor.Sip.Message;

namespace Anchor.Sip.Transport;

/// <summary>
/// Where a transport hands each valid message. Called on the transport's receive thread: implementations must not block
/// (hand long work to their own queue).
/// </summary>
public interface ISipMessageSink
{
    void OnMessage(SipMessage message, ReceivedFrom from);
}
