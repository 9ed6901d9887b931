namespace Anchor.Pbx.Calls;

/// <summary>Where a call is (the call records and busy lamps of later issues read it).</summary>
public enum CallState
{
    /// <summary>Taken by the router; nothing sent to anyone yet.</summary>
    Routing,

    /// <summary>A party is being rung (the caller hears ring-back or early media).</summary>
    Ringing,

    /// <summary>Answered: by a party, or by Anchor itself (an application).</summary>
    Answered,

    Ended,
}
