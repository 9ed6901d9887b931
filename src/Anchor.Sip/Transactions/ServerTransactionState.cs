namespace Anchor.Sip.Transactions;

/// <summary>States of RFC 3261 Figures 7 (INVITE) and 8 (non-INVITE), with RFC 6026's Accepted.</summary>
public enum ServerTransactionState
{
    /// <summary>Non-INVITE: request received, nothing sent yet.</summary>
    Trying,
    Proceeding,
    Completed,

    /// <summary>INVITE: the ACK for a 3xx–6xx arrived (Timer I absorbs retransmitted ACKs).</summary>
    Confirmed,

    /// <summary>INVITE: a 2xx was sent (RFC 6026 §7.1); Timer L absorbs INVITE retransmissions.</summary>
    Accepted,
    Terminated,
}
