using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>
/// <c>( name-addr / addr-spec ) *( SEMI param )</c> (RFC 3261 §25.1). The display name is
/// <c>*(token LWS) / quoted-string</c>; the URI inside &lt;&gt; allows no LWS; an addr-spec
/// (no brackets) ends at the first ';', and may then not contain ',', '?' or ';' (§20).
/// </summary>
internal static class NameAddressParser
{
    /// <param name="source">The message bytes.</param>
    /// <param name="item">One list item (no surrounding LWS required).</param>
    public static bool TryParse(ReadOnlyMemory<byte> source, Segment item, bool allowStar, out NameAddress value)
    {
        value = default;
        ReadOnlySpan<byte> s = source.Span.Slice(item.Offset, item.Length);
        var r = new SipReader(s);
        r.SkipLws();
        int begin = r.Position;

        if (allowStar && r.Peek == '*')
        {
            r.Advance(1);
            r.SkipLws();
            if (!r.End && r.Peek != ';')
            {
                return false;
            }

            Segment starParams = new(item.Offset + r.Position, s.Length - r.Position);
            if (!Parameters.ValidateHeaderParams(s[r.Position..]))
            {
                return false;
            }

            value = new NameAddress(source, item, default, false, default, false, starParams, default, true);
            return true;
        }

        Segment display = default;
        bool quoted = false;
        bool angle;
        Segment uriSeg;

        if (r.Peek == '"')
        {
            if (!r.TryReadQuoted(out Segment inner))
            {
                return false;
            }

            display = inner;
            quoted = true;
            r.SkipLws();
            if (r.Peek != '<')
            {
                return false;
            }
        }
        else
        {
            // Tokens separated by LWS, then '<' means they were a display name; otherwise an addr-spec.
            int save = r.Position;
            int lastEnd = save;
            while (true)
            {
                Segment t = r.ReadToken();
                if (t.IsEmpty)
                {
                    break;
                }

                lastEnd = r.Position;
                r.SkipLws();
            }

            if (r.Peek == '<')
            {
                display = new Segment(save, lastEnd - save);
            }
            else
            {
                r.Seek(save);
            }
        }

        if (r.Peek == '<')
        {
            angle = true;
            r.Advance(1);
            int close = s[r.Position..].IndexOf((byte)'>');
            if (close < 0)
            {
                return false;
            }

            uriSeg = new Segment(r.Position, close);
            r.Advance(close + 1);
        }
        else
        {
            angle = false;
            int st = r.Position;
            while (!r.End && r.Peek is not (';' or ' ' or '\t' or '\r' or '\n' or ','))
            {
                r.Advance(1);
            }

            uriSeg = new Segment(st, r.Position - st);
            if (s.Slice(uriSeg.Offset, uriSeg.Length).IndexOf((byte)'?') >= 0)
            {
                return false;
            }
        }

        Segment absUri = uriSeg.Shift(item.Offset);
        if (!SipUri.TryParse(source, absUri, out SipUri uri))
        {
            return false;
        }

        int paramStart = r.Position;
        r.SkipLws();
        if (!r.End && r.Peek != ';')
        {
            return false;
        }

        ReadOnlySpan<byte> plist = s[paramStart..];
        Segment tag = default;
        var pe = new HeaderParamEnumerator(plist);
        while (pe.MoveNext())
        {
            if (pe.Name.Length == 3 && System.Text.Ascii.EqualsIgnoreCase(plist.Slice(pe.Name.Offset, 3), "tag"u8))
            {
                if (pe.Value.IsEmpty)
                {
                    return false;
                }

                tag = pe.Value.Shift(item.Offset + paramStart);
            }
        }

        if (pe.Malformed)
        {
            return false;
        }

        Segment whole = new(item.Offset + begin, TrimEnd(s, begin));
        value = new NameAddress(source, whole, display.Length == 0 ? default : display.Shift(item.Offset), quoted, uri, angle,
            new Segment(item.Offset + paramStart, s.Length - paramStart), tag, false);
        return true;
    }

    private static int TrimEnd(ReadOnlySpan<byte> s, int begin)
    {
        int end = s.Length;
        while (end > begin && SipChars.IsLws(s[end - 1]))
        {
            end--;
        }

        return end - begin;
    }
}
