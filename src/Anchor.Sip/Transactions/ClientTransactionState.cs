namespace Anchor.Sip.Transactions;

/// <summary>States of RFC 3261 Figures 5 (INVITE) and 6 (non-INVITE), with RFC 6026's Accepted.</summary>
public enum ClientTransactionState
{
    /// <summary>INVITE sent, nothing heard (Timers A, B).</summary>
    Calling,

    /// <summary>Non-INVITE sent, nothing heard (Timers E, F).</summary>
    Trying,
    Proceeding,
    Completed,

    /// <summary>INVITE: a 2xx arrived (RFC 6026 §7.2); further 2xx go to the TU until Timer M.</summary>
    Accepted,
    Terminated,
}
