using System.Text;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Message;

/// <summary>One via-parm (RFC 3261 §20.42, §25.1; RFC 3581 rport): a view over the message bytes.</summary>
public readonly struct SipVia
{
    /// <summary>§8.1.1.7: branches that start with this were made by RFC 3261 elements.</summary>
    public static ReadOnlySpan<byte> MagicCookie => "z9hG4bK"u8;

    private readonly ReadOnlyMemory<byte> _source;

    internal SipVia(ReadOnlyMemory<byte> source, Segment whole, Segment transportText, TransportKind transport, Segment host,
        int port, Segment parameters, Segment branch, Segment received, int rport, Segment maddr)
    {
        _source = source;
        Whole = whole;
        TransportText = transportText;
        Transport = transport;
        HostSegment = host;
        Port = port;
        ParametersSegment = parameters;
        BranchSegment = branch;
        ReceivedSegment = received;
        RPort = rport;
        MaddrSegment = maddr;
    }

    public Segment Whole { get; }

    public Segment TransportText { get; }

    public TransportKind Transport { get; }

    public Segment HostSegment { get; }

    /// <summary>The sent-by port, or 0 when absent (the transport's default applies, §18.2.2).</summary>
    public int Port { get; }

    public Segment ParametersSegment { get; }

    public Segment BranchSegment { get; }

    public Segment ReceivedSegment { get; }

    /// <summary>-1: no rport; 0: rport without a value (a request for one, RFC 3581 §3); otherwise its value.</summary>
    public int RPort { get; }

    public Segment MaddrSegment { get; }

    public bool HasBranch => !BranchSegment.IsEmpty;

    public ReadOnlySpan<byte> Span => Slice(Whole);

    public ReadOnlySpan<byte> Host => Slice(HostSegment);

    public ReadOnlySpan<byte> Branch => Slice(BranchSegment);

    public ReadOnlySpan<byte> Received => Slice(ReceivedSegment);

    public ReadOnlySpan<byte> Maddr => Slice(MaddrSegment);

    public ReadOnlySpan<byte> Parameters => Slice(ParametersSegment);

    /// <summary>True when the branch carries the RFC 3261 magic cookie and something after it (§17.2.3).</summary>
    public bool HasRfc3261Branch => Branch.Length > MagicCookie.Length && Branch.StartsWith(MagicCookie);

    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        Anchor.Sip.Parsing.Parameters.TryGetHeaderParam(Parameters, name, out value);

    public string HostString => Encoding.ASCII.GetString(Host);

    public override string ToString() => Encoding.UTF8.GetString(Span);

    private ReadOnlySpan<byte> Slice(Segment s) => _source.Span.Slice(s.Offset, s.Length);
}
