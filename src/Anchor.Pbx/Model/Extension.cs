using Anchor.Pbx.Security;

namespace Anchor.Pbx.Model;

/// <summary>A phone line of the office: its number (the user part of its address of record), password and name.</summary>
public sealed record Extension(string Number, string Password, string? Name)
{
    /// <summary>Classes of numbers it may dial out; null: <see cref="CallPolicy.DefaultClasses"/>.</summary>
    public IReadOnlySet<DialClass>? AllowedClasses { get; init; }

    /// <summary>Outbound (trunk) calls it may hold at once; 0: no limit.</summary>
    public int MaxOutboundCalls { get; init; } = 2;

    /// <summary>Its voicemail box (on by default).</summary>
    public MailboxOptions Mailbox { get; init; } = new();

    /// <summary>Forwarding and do-not-disturb as configured; what a phone sets with the star codes overrides it (<see cref="Forwarding.PhoneSettings"/>).</summary>
    public ForwardState Forward { get; init; } = ForwardState.None;

    /// <summary>Extensions sharing a pickup group answer each other's ringing calls with the group pickup code; null: none.</summary>
    public string? PickupGroup { get; init; }
}

/// <summary>
/// Where an extension's calls go instead of (or after) ringing it: always, on busy, on no answer (after
/// <see cref="NoAnswer"/>), each a target or an outside number (null: not forwarded); and do-not-disturb.
/// </summary>
public sealed record ForwardState
{
    public static readonly ForwardState None = new();

    public string? Always { get; init; }

    public string? Busy { get; init; }

    public string? NoAnswerTarget { get; init; }

    public TimeSpan NoAnswer { get; init; } = TimeSpan.FromSeconds(20);

    public bool Dnd { get; init; }
}

/// <summary>An extension's mailbox: whether it exists, when unanswered calls go there, how long a message may be.</summary>
public sealed record MailboxOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>The PIN from the configuration; null: a generated one (stored with Anchor's secrets), or one set from the phone.</summary>
    public string? Pin { get; init; }

    public TimeSpan NoAnswer { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan MaxMessage { get; init; } = TimeSpan.FromSeconds(180);
}
