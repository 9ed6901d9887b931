namespace Anchor.Pbx.Calls;

/// <summary>Why a call ended: one value per cause, for the log now and the call records later.</summary>
public enum EndReason
{
    /// <summary>Still going.</summary>
    None,

    /// <summary>The caller hung up (BYE) after the answer.</summary>
    CallerHungUp,

    /// <summary>The called party hung up (BYE).</summary>
    CalleeHungUp,

    /// <summary>The caller gave up while it rang (CANCEL).</summary>
    Cancelled,

    /// <summary>The called party refused (486, 603, 404 ... : see the SIP status).</summary>
    Refused,

    /// <summary>Nobody answered: Timer C, or every branch timed out.</summary>
    NoAnswer,

    /// <summary>The called party is not registered, or could not be reached.</summary>
    Unavailable,

    /// <summary>The trunk failed: the ITSP did not respond, answered 5xx, or refused Anchor's credentials.</summary>
    TrunkFailure,

    /// <summary>Anchor refused it: the dial plan bars it, a class or limit forbids it, the trunk is full.</summary>
    Policy,

    /// <summary>A party that should be sending media sent nothing for the media timeout.</summary>
    MediaTimeout,

    /// <summary>No ACK came for the 2xx (§13.3.1.4).</summary>
    NoAck,

    /// <summary>No relay port was free, or an SDP could not be read.</summary>
    MediaFailure,

    /// <summary>The application that had the call finished it (the echo test ends when the caller hangs up: that is CallerHungUp).</summary>
    ApplicationEnded,

    /// <summary>An attended transfer joined the other party into another call (the transferor's consultation ended).</summary>
    Transferred,

    /// <summary>Anchor is stopping.</summary>
    Shutdown,

    /// <summary>The admin hung it up (the API's DELETE /api/calls/{id}).</summary>
    Admin,

    /// <summary>An unexpected error in Anchor (logged).</summary>
    Error,
}
