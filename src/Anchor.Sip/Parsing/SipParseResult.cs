using Anchor.Sip.Message;

namespace Anchor.Sip.Parsing;

/// <summary>
/// What the parser made of some bytes. On <see cref="SipParseStatus.Invalid"/>, <see cref="Message"/> is set when the start line
/// and enough headers were readable to address an error response (§8.2.6, §21.4.1); <see cref="ErrorStatus"/> is 0 when the
/// message must be dropped silently.
/// </summary>
public readonly record struct SipParseResult(SipParseStatus Status, SipMessage? Message, int Consumed, int ErrorStatus, string? ErrorReason)
{
    public bool CanRespond => Status == SipParseStatus.Invalid && ErrorStatus != 0 && Message is { IsRequest: true };
}
