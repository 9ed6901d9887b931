using Anchor.Pbx.Security;

namespace Anchor.Pbx.Model;

/// <summary>A phone line of the office: its number (the user part of its address of record), password and name.</summary>
public sealed record Extension(string Number, string Password, string? Name)
{
    /// <summary>Classes of numbers it may dial out; null: <see cref="CallPolicy.DefaultClasses"/>.</summary>
    public IReadOnlySet<DialClass>? AllowedClasses { get; init; }

    /// <summary>Outbound (trunk) calls it may hold at once; 0: no limit.</summary>
    public int MaxOutboundCalls { get; init; } = 2;
}
