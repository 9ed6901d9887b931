using Anchor.Pbx.Trunks;
using Anchor.Sip.Dialogs;

namespace Anchor.Pbx.Applications.Dial;

/// <summary>Whom the Dial application calls, and as whom.</summary>
public sealed record DialRequest
{
    /// <summary>One INVITE per target (a trunk's proxy, or every registered contact of an extension).</summary>
    public required IReadOnlyList<InviteTarget> Targets { get; init; }

    /// <summary>The party called, for the log and the media timeout ("102", "itsp").</summary>
    public required string CalleeName { get; init; }

    /// <summary>From of the new leg (name-addr, no tag).</summary>
    public required string From { get; init; }

    /// <summary>To of the new leg (name-addr).</summary>
    public required string To { get; init; }

    /// <summary>User part of Anchor's Contact toward the called party.</summary>
    public required string ContactUser { get; init; }

    /// <summary>The trunk the new leg goes to (its credentials answer the ITSP's challenges; its failures are the phone's 503); null for a phone.</summary>
    public Trunk? Trunk { get; init; }

    /// <summary>Headers added to the INVITE (P-Asserted-Identity toward a trunk).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Whether the media goes through Anchor (the relay): every trunk call, and internal calls with Media:Anchor = Always.</summary>
    public bool Anchored { get; init; }

    /// <summary>How long to ring before giving up (the extension's NoAnswerSeconds when it has a mailbox); zero: until Timer C.</summary>
    public TimeSpan NoAnswer { get; init; }

    /// <summary>What runs on the call when the party does not answer or is not there (its forward, its voicemail); null: the caller hears why.</summary>
    public Application? Fallback { get; init; }

    /// <summary>What runs when the party is busy; null: <see cref="Fallback"/>.</summary>
    public Application? BusyFallback { get; init; }

    /// <summary>A caller Anchor has answered hears music on hold while the party rings (a parked call coming back), not ring-back.</summary>
    public bool MusicWhileRinging { get; init; }

    /// <summary>What takes the call after <paramref name="result"/>: the busy fallback for a busy party, else the no-answer one.</summary>
    public Application? FallbackFor(DialResult result) => result == DialResult.Busy ? BusyFallback ?? Fallback : Fallback;

    /// <summary>The office extension each target rings (null for a trunk): for busy lamps, hunt groups and pickup.</summary>
    public IReadOnlyList<string?> TargetExtensions { get; init; } = [];
}
