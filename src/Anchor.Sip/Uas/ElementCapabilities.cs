using Anchor.Sip.Message;

namespace Anchor.Sip.Uas;

/// <summary>What a UAS or proxy supports, for the checks of RFC 3261 §8.2 and §16.3 and for OPTIONS answers (§11.2).</summary>
public sealed record ElementCapabilities
{
    public IReadOnlySet<SipMethod> Methods { get; init; } = new HashSet<SipMethod>
    {
        SipMethod.Invite, SipMethod.Ack, SipMethod.Bye, SipMethod.Cancel, SipMethod.Options, SipMethod.Register,
    };

    /// <summary>Option tags this element supports (Supported, Require, Proxy-Require: §20.37, §20.32, §20.29).</summary>
    public IReadOnlySet<string> Extensions { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Body types this element understands (§8.2.3).</summary>
    public IReadOnlyList<string> AcceptedContentTypes { get; init; } = ["application/sdp"];

    public string AllowHeader => string.Join(", ", Methods.Where(m => m != SipMethod.Unknown).Order().Select(SipMethods.Name));

    public string AcceptHeader => string.Join(", ", AcceptedContentTypes);

    public string SupportedHeader => string.Join(", ", Extensions);
}
