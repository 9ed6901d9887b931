namespace Anchor.Sip.Parsing;

public enum SipParseStatus : byte
{
    /// <summary>A whole, valid message.</summary>
    Complete,

    /// <summary>A stream needs more bytes; nothing was consumed.</summary>
    Incomplete,

    /// <summary>Only CRLFs: a keep-alive (RFC 5626 §3.5.1), consumed.</summary>
    KeepAlive,

    /// <summary>Malformed. A request may be answered with <see cref="SipParseResult.ErrorStatus"/>; a response is dropped.</summary>
    Invalid,
}
