namespace Anchor.Pbx.Model;

/// <summary>
/// The validated, immutable settings the PBX core runs on that need a restart to change (built once by the host from
/// configuration); what can change at run time is in <see cref="PbxSnapshot"/>.
/// </summary>
public sealed record PbxOptions
{
    /// <summary>The SIP domain (and digest realm) of the office.</summary>
    public required string Domain { get; init; }

    /// <summary>Shortest registration accepted (RFC 3261 §10.3 step 7: 423 with Min-Expires below it).</summary>
    public int MinExpires { get; init; } = 60;

    /// <summary>Longest registration granted; longer requests are cut to this.</summary>
    public int MaxExpires { get; init; } = 3600;

    /// <summary>Registration time when the request names none (§10.2.1.1).</summary>
    public int DefaultExpires { get; init; } = 3600;

    /// <summary>How often each binding is pinged (OPTIONS) to keep NAT open and to notice phones that are gone.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Timer C (RFC 3261 §16.6 step 11, §16.8): how long a ringing branch may go without a final answer before the proxy
    /// CANCELs it. Over 3 minutes per the RFC; reset by each provisional response.
    /// </summary>
    public TimeSpan TimerC { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Which calls get their RTP relayed by Anchor (the seam for the media relay of the trunk issue).</summary>
    public MediaAnchoring MediaAnchoring { get; init; } = MediaAnchoring.Trunk;

    /// <summary>The office's networks (Sip:LocalNetworks): who is on the LAN side of the router.</summary>
    public Nat.LocalNetworks Networks { get; init; } = Nat.LocalNetworks.Default;

    /// <summary>The Server / User-Agent header value.</summary>
    public string ServerHeader { get; init; } = "Anchor";
}
