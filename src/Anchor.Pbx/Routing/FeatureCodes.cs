namespace Anchor.Pbx.Routing;

/// <summary>
/// The star codes Anchor answers itself (<c>FeatureCodes</c> in the configuration). Read by the router before anything
/// else; a <c>*</c> code that is not one of them is refused (404), never sent to a trunk.
/// </summary>
public sealed record FeatureCodes
{
    /// <summary>The echo test (Asterisk's *43).</summary>
    public string EchoTest { get; init; } = "*43";

    /// <summary>The caller's own mailbox (Asterisk's VoiceMailMain on *97).</summary>
    public string VoicemailMain { get; init; } = "*97";

    /// <summary>Any mailbox: asks which (Asterisk's *98).</summary>
    public string VoicemailOther { get; init; } = "*98";

    /// <summary>Switches the auto attendants between day and night until the next scheduled change.</summary>
    public string NightMode { get; init; } = "*52";

    /// <summary>Every code with what it does, for validation and the router.</summary>
    public IEnumerable<(string Key, string Code)> All =>
        [("EchoTest", EchoTest), ("VoicemailMain", VoicemailMain), ("VoicemailOther", VoicemailOther), ("NightMode", NightMode)];
}
