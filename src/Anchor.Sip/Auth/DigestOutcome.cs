namespace Anchor.Sip.Auth;

/// <summary>What a request's credentials amount to. Everything but <see cref="Authenticated"/> and <see cref="Malformed"/> is answered with a fresh challenge.</summary>
public enum DigestOutcome
{
    Authenticated,

    /// <summary>No Digest credentials for this realm: the normal first request of every exchange, not a failure.</summary>
    Missing,

    /// <summary>Right answer to an expired or forgotten nonce, or a nonce-count already seen: challenge with stale=true.</summary>
    Stale,

    /// <summary>Wrong password, unknown user, or a nonce we never made. The same answer for all three.</summary>
    Rejected,

    /// <summary>Credentials that are not well-formed: 400.</summary>
    Malformed,
}
