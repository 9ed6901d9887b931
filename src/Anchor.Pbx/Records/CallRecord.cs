using Anchor.Pbx.Calls;

namespace Anchor.Pbx.Records;

/// <summary>What one party of a call sent Anchor's relay: where its SDP said, where its packets came from, how many, how well.</summary>
/// <remarks>
/// <c>Rejected</c>: packets from an address that was neither signalled nor latched (dropped: a possible hijack).
/// <c>FirstAudioSeconds</c>: when the party's first packet came, in seconds after the call was answered (negative: early media).
/// <c>Timeline</c>: its RTP packets in each 5-second stretch from its first packet (a party that went quiet mid-call shows it).
/// </remarks>
public sealed record LegMedia(string Party, string? Signalled, string? Source, long Packets, long Forwarded, long Lost, double JitterMs, long Rejected = 0,
    double? FirstAudioSeconds = null, int[]? Timeline = null);

/// <summary>
/// One call's detail record (CDR), written when the call ends: its times, its parties, how it ended, and the media
/// each party sent (anchored calls only; a proxied phone-to-phone call's media never passes Anchor).
/// </summary>
public sealed record CallRecord
{
    public required string Id { get; init; }

    public required DateTimeOffset Start { get; init; }

    public DateTimeOffset? Answer { get; init; }

    public required DateTimeOffset End { get; init; }

    /// <summary>The caller: an extension, or the outside number a trunk gave.</summary>
    public required string From { get; init; }

    /// <summary>Who was called: an extension, or the outside number (as sent to the trunk, or the DID).</summary>
    public required string To { get; init; }

    /// <summary>What the caller dialled (the Request-URI's user), before the dial plan rewrote it.</summary>
    public required string Dialed { get; init; }

    public required CallDirection Direction { get; init; }

    public string? Trunk { get; init; }

    /// <summary>The extension that answered (for an outbound call: none, the far end did).</summary>
    public string? AnsweredBy { get; init; }

    public required EndReason EndReason { get; init; }

    /// <summary>The final status the caller got: 200 for an answered call.</summary>
    public required int SipStatus { get; init; }

    /// <summary>"caller", "callee", or "anchor" (Anchor ended it: a timeout, a failure, a shutdown).</summary>
    public required string HungUpBy { get; init; }

    public IReadOnlyList<LegMedia> Media { get; init; } = [];

    /// <summary>The Call-IDs of the call's SIP dialogs (one for a proxied call; each leg's for a call Anchor carries): the ladder's keys.</summary>
    public IReadOnlyList<string> Dialogs { get; init; } = [];

    /// <summary>Seconds from the first INVITE to the end.</summary>
    public double Duration => Math.Round((End - Start).TotalSeconds, 3);

    /// <summary>Whole seconds from the answer to the end (rounded to the nearest), 0 when never answered.</summary>
    public int Billable => Answer is { } a ? (int)Math.Round((End - a).TotalSeconds, MidpointRounding.AwayFromZero) : 0;
}

/// <summary>Which call records to read: every filter optional, newest first, a page at a time.</summary>
public sealed record CallRecordQuery
{
    public const int MaxPageSize = 500;

    /// <summary>One call by its id (the caller's Call-ID).</summary>
    public string? Id { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Calls this extension made, was called on, or answered.</summary>
    public string? Extension { get; init; }

    /// <summary>Calls whose caller, callee or dialled digits contain this number.</summary>
    public string? Number { get; init; }

    public CallDirection? Direction { get; init; }

    /// <summary>From 1.</summary>
    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = 100;
}
