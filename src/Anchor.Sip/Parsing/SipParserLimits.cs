namespace Anchor.Sip.Parsing;

/// <summary>Bounds on what one message may make the parser do. Over a limit, the message is rejected, never half-processed.</summary>
public sealed record SipParserLimits
{
    public static readonly SipParserLimits Default = new();

    /// <summary>Largest datagram accepted (the UDP maximum payload).</summary>
    public int MaxDatagramSize { get; init; } = 65535;

    /// <summary>Largest message accepted on a stream transport (headers and body).</summary>
    public int MaxStreamMessageSize { get; init; } = 65535;

    /// <summary>Largest header section on a stream before the empty line must have arrived.</summary>
    public int MaxHeaderSectionSize { get; init; } = 32768;

    public int MaxHeaders { get; init; } = 128;

    public int MaxVias { get; init; } = 64;
}
