namespace Anchor.Pbx.Model;

/// <summary>
/// When Anchor relays RTP itself (Media:Anchor). The relay arrives with trunks (Figure 2); until then every call's media
/// flows phone to phone, which is what <see cref="Trunk"/> means for internal calls anyway.
/// </summary>
public enum MediaAnchoring
{
    /// <summary>
    /// Anchor media on trunk calls and on internal calls where a party is away from the office LAN (outside
    /// Sip:LocalNetworks, or behind a NAT of its own); LAN-to-LAN calls flow phone to phone. The default.
    /// </summary>
    Auto,

    /// <summary>Anchor media on calls to and from the ITSP only.</summary>
    Trunk,

    /// <summary>Anchor every call, internal ones too.</summary>
    Always,

    /// <summary>Never anchor: SDP passes untouched.</summary>
    Never,
}
