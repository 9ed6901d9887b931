namespace Anchor.Configuration;

/// <summary>The <c>Sip</c> section (docs/configuration.md).</summary>
public sealed class SipSettings
{
    public string Domain { get; set; } = "pbx.test";

    /// <summary>Listen addresses: <c>udp:127.0.0.1:5060</c>, <c>tcp:[::1]:5060</c>. Loopback by default: nothing is exposed until configured.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>Server / User-Agent header. No version by default (Defences issue: give scanners nothing).</summary>
    public string ServerHeader { get; set; } = "Anchor";

    public static readonly string[] DefaultListen = ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"];
}
