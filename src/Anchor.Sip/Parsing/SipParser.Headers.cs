using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>The header section: indexing every line, and parsing the few headers every element needs (RFC 3261 §7.3, §20).</summary>
public static partial class SipParser
{
    /// <summary>
    /// Indexes header lines up to the empty line (its offset in <paramref name="hdrEnd"/>, -1 when it has not arrived).
    /// A bad line does not stop the scan: the first error is kept and later lines are still indexed, so a 400 can copy
    /// the headers that follow it.
    /// </summary>
    private static string? ParseHeaderLines(SipMessage msg, ReadOnlySpan<byte> s, int pos, SipParserLimits limits, out int status,
        out EssentialIndex idx, out int hdrEnd)
    {
        status = 400;
        idx = default;
        hdrEnd = -1;
        string? error = null;
        int firstVia = -1, from = -1, to = -1, callId = -1, cseq = -1;
        int vias = 0;
        Segment topVia = default;
        var lines = new LineEnds(s);
        while (true)
        {
            if (pos + 1 >= s.Length)
            {
                return error;
            }

            if (s[pos] == '\r' && s[pos + 1] == '\n')
            {
                hdrEnd = pos;
                break;
            }

            // Logical line: up to an LF not followed by SP/HT (§7.3.1 folding).
            int lineStart = pos;
            int search = pos;
            int lf;
            while (true)
            {
                lf = lines.Next(search);
                if (lf < 0)
                {
                    return error;
                }

                if (lf + 1 < s.Length && s[lf + 1] is (byte)' ' or (byte)'\t')
                {
                    search = lf + 1;
                    continue;
                }

                break;
            }

            pos = lf + 1;
            if (s[lf - 1] != '\r')
            {
                error ??= "Header line not ended by CRLF";
                continue;
            }

            ReadOnlySpan<byte> line = s[lineStart..(lf - 1)];
            int nameLen = SipChars.RunLength(line, SipChars.TokenSet);
            int c = nameLen;
            while (c < line.Length && line[c] is (byte)' ' or (byte)'\t')
            {
                c++;
            }

            if (nameLen == 0 || c >= line.Length || line[c] != ':')
            {
                error ??= line.Length > 0 && line[0] is (byte)' ' or (byte)'\t' ? "Header line begins with whitespace" : "Malformed header line";
                continue;
            }

            int vs = c + 1;
            while (vs < line.Length && SipChars.IsLws(line[vs]))
            {
                vs++;
            }

            int ve = line.Length;
            while (ve > vs && SipChars.IsLws(line[ve - 1]))
            {
                ve--;
            }

            if (msg.HeaderCount >= limits.MaxHeaders)
            {
                error ??= "Too many headers";
                continue;
            }

            HeaderKind kind = HeaderNames.Lookup(line[..nameLen]);
            int index = msg.HeaderCount;
            var value = new Segment(lineStart + vs, ve - vs);
            msg.HeaderTable.Add(new HeaderField(kind, new Segment(lineStart, nameLen), value, pos));
            ReadOnlySpan<byte> v = line[vs..ve];
            switch (kind)
            {
                case HeaderKind.Via:
                    firstVia = firstVia < 0 ? index : firstVia;

                    int vp = 0;
                    while (ListSplitter.Next(v, ref vp, out Segment viaItem, out bool bad))
                    {
                        if (vias == 0)
                        {
                            topVia = viaItem.Shift(value.Offset);
                        }

                        if (bad)
                        {
                            error ??= "Empty Via value";
                        }

                        if (++vias > limits.MaxVias)
                        {
                            error ??= "Too many Via headers";
                        }
                    }

                    break;
                case HeaderKind.From:
                    error = from >= 0 ? error ?? "Multiple From headers" : error;
                    from = from < 0 ? index : from;
                    break;
                case HeaderKind.To:
                    error = to >= 0 ? error ?? "Multiple To headers" : error;
                    to = to < 0 ? index : to;
                    break;
                case HeaderKind.CallId:
                    error = callId >= 0 ? error ?? "Multiple Call-ID headers" : error;
                    callId = callId < 0 ? index : callId;
                    break;
                case HeaderKind.CSeq:
                    error = cseq >= 0 ? error ?? "Multiple CSeq headers" : error;
                    cseq = cseq < 0 ? index : cseq;
                    break;
                case HeaderKind.MaxForwards:
                    error = msg.MaxForwardsIndex >= 0 ? error ?? "Multiple Max-Forwards headers" : error;
                    msg.MaxForwardsIndex = msg.MaxForwardsIndex < 0 ? index : msg.MaxForwardsIndex;
                    break;
                case HeaderKind.ContentLength:
                    if (msg.ContentLengthIndex >= 0)
                    {
                        error ??= "Multiple Content-Length headers";
                        break;
                    }

                    msg.ContentLengthIndex = index;
                    if (SipChars.TryParseUInt(v, int.MaxValue, out ulong cl))
                    {
                        msg.ContentLength = (int)cl;
                    }
                    else
                    {
                        error ??= "Bad Content-Length";
                    }

                    break;
            }
        }

        msg.ViaCount = vias;
        if (error is not null)
        {
            return error;
        }

        if (firstVia < 0)
        {
            return "Missing Via";
        }

        if (from < 0 || to < 0 || callId < 0 || cseq < 0)
        {
            return from < 0 ? "Missing From" : to < 0 ? "Missing To" : callId < 0 ? "Missing Call-ID" : "Missing CSeq";
        }

        idx = new EssentialIndex(topVia, from, to, callId, cseq);
        status = 0;
        return null;
    }

    /// <summary>Where the headers that <see cref="ParseEssentials"/> reads were found.</summary>
    private readonly record struct EssentialIndex(Segment TopVia, int From, int To, int CallId, int CSeq);

    private static string? ParseEssentials(SipMessage msg, EssentialIndex idx, out int status)
    {
        status = 400;
        ReadOnlyMemory<byte> buf = msg.Buffer;
        ReadOnlySpan<byte> s = buf.Span;

        // Top Via: the first item of the first Via line, found while indexing.
        if (!ViaParser.TryParse(buf, idx.TopVia, out msg.TopViaField))
        {
            return "Bad Via header";
        }

        // From and To hold exactly one value: a top-level comma means several (RFC 4475 §3.3.8), which the parser rejects.
        if (!NameAddressParser.TryParse(buf, msg.GetHeader(idx.From).Value, allowStar: false, out msg.FromField))
        {
            return "Bad From header";
        }

        if (!NameAddressParser.TryParse(buf, msg.GetHeader(idx.To).Value, allowStar: false, out msg.ToField))
        {
            return "Bad To header";
        }

        // callid = word [ "@" word ]
        msg.CallIdSegment = msg.GetHeader(idx.CallId).Value;
        ReadOnlySpan<byte> callId = msg.CallId;
        if (callId.IsEmpty)
        {
            return "Bad Call-ID header";
        }

        if (callId.IndexOfAnyExcept(SipChars.CallIdSet) >= 0 || callId.Count((byte)'@') > 1)
        {
            return "Bad Call-ID header";
        }

        // CSeq = 1*DIGIT LWS Method
        Segment cseqValue = msg.GetHeader(idx.CSeq).Value;
        ReadOnlySpan<byte> cs = s.Slice(cseqValue.Offset, cseqValue.Length);
        int d = 0;
        while (d < cs.Length && SipChars.IsDigit(cs[d]))
        {
            d++;
        }

        if (d == 0 || !SipChars.TryParseUInt(cs[..d], uint.MaxValue, out ulong seq))
        {
            return "Bad CSeq header";
        }

        int m = d;
        while (m < cs.Length && SipChars.IsLws(cs[m]))
        {
            m++;
        }

        if (m == d || m == cs.Length || !SipChars.IsAllToken(cs[m..]))
        {
            return "Bad CSeq header";
        }

        msg.CSeq = (uint)seq;
        msg.CSeqMethodSegment = new Segment(cseqValue.Offset + m, cs.Length - m);
        msg.CSeqMethod = SipMethods.Lookup(cs[m..]);

        if (msg.MaxForwardsIndex >= 0)
        {
            ReadOnlySpan<byte> mf = msg[msg.GetHeader(msg.MaxForwardsIndex).Value];
            if (mf.IsEmpty || mf.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return "Bad Max-Forwards header";
            }

            // Overlarge Max-Forwards alone is treated as absent (RFC 4475 §3.1.2.4).
            msg.MaxForwards = SipChars.TryParseUInt(mf, 255, out ulong mfv) ? (int)mfv : -1;
        }

        bool first = true;
        foreach (Segment item in msg.EnumerateValues(HeaderKind.Contact))
        {
            if (first)
            {
                // Kept: the registrar and proxy read the first Contact of nearly every request.
                if (item.IsEmpty || !NameAddressParser.TryParse(buf, item, allowStar: true, out msg.FirstContactField))
                {
                    return "Bad Contact header";
                }

                msg.HasFirstContact = true;
                first = false;
            }
            else if (item.IsEmpty || !NameAddressParser.TryParse(buf, item, allowStar: true, out _))
            {
                return "Bad Contact header";
            }
        }

        if (msg.IsRequest && !msg.CSeqMethodBytesEqualMethod())
        {
            // §8.2.1 / RFC 4475 §3.1.2.18: an unknown method whose CSeq disagrees is better answered 501.
            status = msg.Method == SipMethod.Unknown ? 501 : 400;
            return status == 501 ? "Not Implemented" : "CSeq method does not match request method";
        }

        status = 0;
        return null;
    }

    private static bool CSeqMethodBytesEqualMethod(this SipMessage msg) => msg[msg.CSeqMethodSegment].SequenceEqual(msg.MethodBytes);
}
