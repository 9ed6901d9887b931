using System.Text;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Message;

/// <summary>
/// One From/To/Contact/Route/Record-Route value (RFC 3261 §20.10, §25.1: name-addr / addr-spec followed by header params).
/// A view over the message bytes.
/// </summary>
public readonly struct NameAddress
{
    private readonly ReadOnlyMemory<byte> _source;

    internal NameAddress(ReadOnlyMemory<byte> source, Segment whole, Segment display, bool displayQuoted, in SipUri uri,
        bool angle, Segment parameters, Segment tag, bool isStar)
    {
        _source = source;
        Whole = whole;
        DisplaySegment = display;
        DisplayQuoted = displayQuoted;
        Uri = uri;
        HasAngleBrackets = angle;
        ParametersSegment = parameters;
        TagSegment = tag;
        IsStar = isStar;
    }

    public Segment Whole { get; }

    public Segment DisplaySegment { get; }

    public bool DisplayQuoted { get; }

    public SipUri Uri { get; }

    public bool HasAngleBrackets { get; }

    /// <summary>Header parameters, from the first ';' after the URI to the end of this value.</summary>
    public Segment ParametersSegment { get; }

    public Segment TagSegment { get; }

    /// <summary>The <c>Contact: *</c> form (§10.2.2).</summary>
    public bool IsStar { get; }

    public bool HasTag => !TagSegment.IsEmpty;

    public ReadOnlySpan<byte> Span => _source.Span.Slice(Whole.Offset, Whole.Length);

    public ReadOnlySpan<byte> Tag => _source.Span.Slice(TagSegment.Offset, TagSegment.Length);

    public ReadOnlySpan<byte> Display => _source.Span.Slice(DisplaySegment.Offset, DisplaySegment.Length);

    public ReadOnlySpan<byte> Parameters => _source.Span.Slice(ParametersSegment.Offset, ParametersSegment.Length);

    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        Anchor.Sip.Parsing.Parameters.TryGetHeaderParam(Parameters, name, out value);

    /// <summary>The <c>expires</c> contact parameter (§20.10), or -1. Values beyond 2^32-1 read as the maximum.</summary>
    public long Expires => TryGetParameter("expires"u8, out ReadOnlySpan<byte> v) ? SipChars.ParseDeltaSeconds(v) : -1;

    /// <summary>The <c>q</c> contact parameter in thousandths (q=0.5 → 500), or -1 when absent or malformed.</summary>
    public int QValue
    {
        get
        {
            if (!TryGetParameter("q"u8, out ReadOnlySpan<byte> v) || v.IsEmpty)
            {
                return -1;
            }

            // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
            if (v[0] is not ((byte)'0' or (byte)'1'))
            {
                return -1;
            }

            int q = (v[0] - '0') * 1000;
            if (v.Length > 1)
            {
                if (v[1] != '.' || v.Length > 5)
                {
                    return -1;
                }

                int scale = 100;
                for (int i = 2; i < v.Length; i++, scale /= 10)
                {
                    if (!SipChars.IsDigit(v[i]))
                    {
                        return -1;
                    }

                    q += (v[i] - '0') * scale;
                }
            }

            return q > 1000 ? -1 : q;
        }
    }

    public override string ToString() => Encoding.UTF8.GetString(Span);
}
