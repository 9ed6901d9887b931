using Anchor.Sip.Message;

namespace Anchor.Sip.Transactions;

/// <summary>The transaction user (RFC 3261 §5): a UAS core, a proxy core, a registrar.</summary>
public interface ITransactionUser
{
    /// <summary>A new request (not ACK, not a retransmission). Answer through <paramref name="transaction"/>.</summary>
    void OnRequest(ServerTransaction transaction);

    /// <summary>
    /// An ACK that belongs to no transaction in Completed state: the ACK for a 2xx, which is end to end (§13.2.2.4, §17.1.1.3).
    /// <paramref name="accepted"/> is the INVITE transaction in RFC 6026 Accepted state when there is one.
    /// </summary>
    void OnAck(SipMessage ack, ReceivedFrom from, ServerTransaction? accepted);

    /// <summary>A CANCEL matched <paramref name="invite"/>, still without a final response; 200 to the CANCEL is already sent (§9.2). The TU answers the INVITE (487).</summary>
    void OnCancel(ServerTransaction invite, SipMessage cancel);

    /// <summary>A response that matched no client transaction: a proxy forwards 2xx retransmissions statelessly (§16.7, §17.1.1.2).</summary>
    void OnStrayResponse(SipMessage response, ReceivedFrom from);
}
