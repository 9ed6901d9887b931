namespace Anchor.Pbx.Routing;

/// <summary>
/// The star codes Anchor answers itself (<c>FeatureCodes</c> in the configuration). Read by the router before anything
/// else; a <c>*</c> code that is not one of them is refused (404), never sent to a trunk.
/// </summary>
public sealed record FeatureCodes
{
    /// <summary>The echo test (Asterisk's *43).</summary>
    public string EchoTest { get; init; } = "*43";

    /// <summary>Every code with what it does, for validation and the router.</summary>
    public IEnumerable<(string Key, string Code)> All => [("EchoTest", EchoTest)];
}
