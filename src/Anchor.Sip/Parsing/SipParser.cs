using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>
/// Parses SIP messages from bytes (RFC 3261 §7, §18.3, §25; RFC 4475). One pass over the header section builds an index
/// of header lines; only the headers every element needs are parsed eagerly. No strings are created.
/// </summary>
public static class SipParser
{
    private static ReadOnlySpan<byte> CrLfCrLf => "\r\n\r\n"u8;

    /// <summary>Parses one datagram: the message is the whole datagram, framed by Content-Length when present (§18.3).</summary>
    public static SipParseResult ParseDatagram(ReadOnlyMemory<byte> datagram, SipParserLimits? limits = null) =>
        Parse(datagram, datagram: true, limits ?? SipParserLimits.Default);

    /// <summary>
    /// Parses the first message of a stream buffer. <see cref="SipParseStatus.Incomplete"/> consumes nothing. The returned message
    /// references <paramref name="stream"/>: a caller that reuses its buffer copies first (see <see cref="TryFrame"/>).
    /// </summary>
    public static SipParseResult ParseStream(ReadOnlyMemory<byte> stream, SipParserLimits? limits = null) =>
        Parse(stream, datagram: false, limits ?? SipParserLimits.Default);

    /// <summary>
    /// Finds where the first message of a stream ends without parsing it: leading CRLFs to skip, then the message length.
    /// Returns Incomplete when more bytes are needed, KeepAlive for a CRLFCRLF ping, Invalid on a framing error (the connection
    /// should then be closed, §18.3).
    /// </summary>
    public static SipParseStatus TryFrame(ReadOnlySpan<byte> s, SipParserLimits limits, out int skip, out int length, out string? error)
    {
        length = 0;
        error = null;
        skip = 0;
        if (s.StartsWith(CrLfCrLf))
        {
            skip = 4;
            return SipParseStatus.KeepAlive;
        }

        while (skip + 1 < s.Length && s[skip] == '\r' && s[skip + 1] == '\n')
        {
            skip += 2;
        }

        ReadOnlySpan<byte> m = s[skip..];
        if (m.Length < 2 && (m.IsEmpty || m[0] == '\r'))
        {
            return SipParseStatus.Incomplete;
        }

        int hdrEnd = m.IndexOf(CrLfCrLf);
        if (hdrEnd < 0)
        {
            if (m.Length > limits.MaxHeaderSectionSize)
            {
                error = "Header section too large";
                return SipParseStatus.Invalid;
            }

            return SipParseStatus.Incomplete;
        }

        if (hdrEnd + 4 > limits.MaxHeaderSectionSize)
        {
            error = "Header section too large";
            return SipParseStatus.Invalid;
        }

        long cl = FindContentLength(m[..(hdrEnd + 2)], out error);
        if (error is not null)
        {
            return SipParseStatus.Invalid;
        }

        if (cl < 0)
        {
            error = "Missing Content-Length on a stream transport";
            return SipParseStatus.Invalid;
        }

        long total = hdrEnd + 4 + cl;
        if (total > limits.MaxStreamMessageSize)
        {
            error = "Message too large";
            return SipParseStatus.Invalid;
        }

        if (m.Length < total)
        {
            return SipParseStatus.Incomplete;
        }

        length = (int)total;
        return SipParseStatus.Complete;
    }

    /// <summary>Scans header lines for Content-Length (or 'l'). -1 when absent.</summary>
    private static long FindContentLength(ReadOnlySpan<byte> headers, out string? error)
    {
        error = null;
        long found = -1;
        int pos = headers.IndexOf("\r\n"u8) + 2;
        while (pos < headers.Length)
        {
            int eol = headers[pos..].IndexOf("\r\n"u8);
            if (eol < 0)
            {
                break;
            }

            ReadOnlySpan<byte> line = headers.Slice(pos, eol);
            pos += eol + 2;
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> name = line[..colon].TrimEnd(" \t"u8);
            if (HeaderNames.Lookup(name) != HeaderKind.ContentLength)
            {
                continue;
            }

            ReadOnlySpan<byte> v = line[(colon + 1)..].Trim(" \t"u8);
            if (found >= 0)
            {
                error = "Multiple Content-Length values";
                return -1;
            }

            if (!SipChars.TryParseUInt(v, int.MaxValue, out ulong n))
            {
                error = "Bad Content-Length";
                return -1;
            }

            found = (long)n;
        }

        return found;
    }

    private static SipParseResult Parse(ReadOnlyMemory<byte> input, bool datagram, SipParserLimits limits)
    {
        ReadOnlySpan<byte> s = input.Span;
        int pos = 0;

        // §7.5: CRLFs before the start line are ignored; a datagram of only CRLFs is a keep-alive.
        while (pos + 1 < s.Length && s[pos] == '\r' && s[pos + 1] == '\n')
        {
            pos += 2;
        }

        if (pos == s.Length)
        {
            return new(datagram || pos > 0 ? SipParseStatus.KeepAlive : SipParseStatus.Incomplete, null, pos, 0, null);
        }

        if (datagram && s.Length > limits.MaxDatagramSize)
        {
            return Fail(null, 513, "Message Too Large");
        }

        int hdrEnd = s[pos..].IndexOf(CrLfCrLf);
        if (hdrEnd < 0)
        {
            if (!datagram && s.Length - pos <= limits.MaxHeaderSectionSize)
            {
                return new(SipParseStatus.Incomplete, null, 0, 0, null);
            }

            return Fail(null, 0, "No end of header section");
        }

        hdrEnd += pos + 2; // offset of the empty line
        int bodyStart = hdrEnd + 2;
        var msg = new SipMessage(input) { Start = pos };

        int eol = s[pos..].IndexOf("\r\n"u8) + pos;
        string? startError = ParseStartLine(msg, s[pos..eol], pos, out int startStatus);
        if (startStatus == -1)
        {
            return Fail(null, 0, startError); // not SIP at all: nothing to answer
        }

        msg.HeadersStart = eol + 2;
        msg.HeadersEnd = hdrEnd;

        string? error = ParseHeaderLines(msg, s, eol + 2, hdrEnd, limits, out int headerStatus, out EssentialIndex idx);
        int status = error is not null ? headerStatus : 0;
        if (error is null && startError is not null)
        {
            error = startError;
            status = startStatus;
        }

        // Framing (§18.3, §20.14).
        int available = s.Length - bodyStart;
        int bodyLength;
        if (msg.ContentLength < 0)
        {
            if (!datagram)
            {
                error ??= "Missing Content-Length on a stream transport";
                status = status == 0 ? 400 : status;
                bodyLength = 0;
            }
            else
            {
                bodyLength = available;
            }
        }
        else if (msg.ContentLength > available)
        {
            if (!datagram)
            {
                if ((long)bodyStart + msg.ContentLength - pos > limits.MaxStreamMessageSize)
                {
                    return Fail(null, 0, "Message too large");
                }

                return new(SipParseStatus.Incomplete, null, 0, 0, null);
            }

            error ??= "Content-Length larger than message";
            status = status == 0 ? 400 : status;
            bodyLength = available;
        }
        else
        {
            bodyLength = msg.ContentLength;
        }

        msg.Body = new Segment(bodyStart, bodyLength);
        msg.End = bodyStart + bodyLength;
        int consumed = datagram ? s.Length : msg.End;

        if (error is null)
        {
            error = ParseEssentials(msg, idx, out status);
        }

        if (error is not null)
        {
            return new(SipParseStatus.Invalid, msg, consumed, msg.IsRequest ? status : 0, error);
        }

        return new(SipParseStatus.Complete, msg, consumed, 0, null);
    }

    private static SipParseResult Fail(SipMessage? m, int status, string? reason) =>
        new(SipParseStatus.Invalid, m, 0, status, reason);

    /// <returns>An error or null. <paramref name="status"/> is -1 when the line is not a SIP start line at all.</returns>
    private static string? ParseStartLine(SipMessage msg, ReadOnlySpan<byte> line, int offset, out int status)
    {
        status = 0;
        if (line.StartsWith("SIP/"u8))
        {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
            msg.IsRequest = false;
            int sp = line.IndexOf((byte)' ');
            if (sp < 0 || !line[..sp].SequenceEqual("SIP/2.0"u8))
            {
                status = -1;
                return "Bad SIP version in status line";
            }

            ReadOnlySpan<byte> rest = line[(sp + 1)..];
            if (rest.Length < 4 || rest[3] != ' ' || !SipChars.TryParseUInt(rest[..3], 699, out ulong code) || code < 100)
            {
                status = -1;
                return "Bad status code";
            }

            msg.StatusCode = (int)code;
            msg.ReasonSegment = new Segment(offset + sp + 5, line.Length - sp - 5);
            return null;
        }

        // Request-Line = Method SP Request-URI SP SIP-Version CRLF: single SPs only (RFC 4475 §3.1.2.9, §3.1.2.10).
        msg.IsRequest = true;
        int first = line.IndexOf((byte)' ');
        int last = line.LastIndexOf((byte)' ');
        if (first <= 0 || !SipChars.IsAllToken(line[..first]))
        {
            status = -1;
            return "Bad request line";
        }

        msg.MethodSegment = new Segment(offset, first);
        msg.Method = SipMethods.Lookup(line[..first]);
        if (last == first)
        {
            status = 400;
            return "Bad request line";
        }

        ReadOnlySpan<byte> version = line[(last + 1)..];
        ReadOnlySpan<byte> ruri = line[(first + 1)..last];
        var ruriSeg = new Segment(offset + first + 1, ruri.Length);
        msg.RequestUriSegment = ruriSeg;
        if (version.IsEmpty || ruri.IsEmpty || ruri.IndexOfAny((byte)' ', (byte)'\t') >= 0)
        {
            status = 400;
            return "Malformed Request-Line (extra whitespace)";
        }

        if (!SipUri.TryParse(msg.Buffer, ruriSeg, out SipUri uri))
        {
            status = 400;
            return "Bad Request-URI";
        }

        // §19.1.1: headers are not allowed in a Request-URI; a proxy must never turn them into real headers (RFC 4475 §3.1.2.11).
        if (uri.IsSip && !uri.HeadersSegment.IsEmpty)
        {
            status = 400;
            return "Request-URI has headers";
        }

        msg.RequestUri = uri;
        if (!System.Text.Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            status = 505;
            return "Version Not Supported";
        }

        return null;
    }

    private static string? ParseHeaderLines(SipMessage msg, ReadOnlySpan<byte> s, int pos, int hdrEnd, SipParserLimits limits, out int status,
        out EssentialIndex idx)
    {
        status = 400;
        idx = default;
        int firstVia = -1, from = -1, to = -1, callId = -1, cseq = -1;
        int vias = 0;
        while (pos < hdrEnd)
        {
            int lineStart = pos;
            if (s[pos] is (byte)' ' or (byte)'\t')
            {
                return "Header line begins with whitespace";
            }

            // Logical line end: a CRLF not followed by SP/HT (§7.3.1 folding).
            int end = pos;
            while (true)
            {
                int crlf = s[end..hdrEnd].IndexOf("\r\n"u8);
                end = crlf < 0 ? hdrEnd : end + crlf;
                if (end + 2 < hdrEnd + 2 && end + 2 < s.Length && s[end + 2] is (byte)' ' or (byte)'\t' && end < hdrEnd)
                {
                    end += 2;
                    continue;
                }

                break;
            }

            int lineEnd = Math.Min(end + 2, hdrEnd + 2);
            ReadOnlySpan<byte> line = s[pos..end];
            int nameLen = 0;
            while (nameLen < line.Length && SipChars.IsToken(line[nameLen]))
            {
                nameLen++;
            }

            int c = nameLen;
            while (c < line.Length && line[c] is (byte)' ' or (byte)'\t')
            {
                c++;
            }

            if (nameLen == 0 || c >= line.Length || line[c] != ':')
            {
                return "Malformed header line";
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

            HeaderKind kind = HeaderNames.Lookup(line[..nameLen]);
            if (msg.HeaderCount >= limits.MaxHeaders)
            {
                return "Too many headers";
            }

            int index = msg.HeaderCount;
            var value = new Segment(pos + vs, ve - vs);
            msg.HeaderTable.Add(new HeaderField(kind, new Segment(pos, nameLen), value, lineStart, lineEnd));
            ReadOnlySpan<byte> v = s.Slice(value.Offset, value.Length);
            switch (kind)
            {
                case HeaderKind.Via:
                    if (firstVia < 0)
                    {
                        firstVia = index;
                    }

                    int vp = 0;
                    while (ListSplitter.Next(v, ref vp, out _, out bool bad))
                    {
                        if (bad)
                        {
                            return "Empty Via value";
                        }

                        if (++vias > limits.MaxVias)
                        {
                            return "Too many Via headers";
                        }
                    }

                    break;
                case HeaderKind.From:
                    if (from >= 0)
                    {
                        return "Multiple From headers";
                    }

                    from = index;
                    break;
                case HeaderKind.To:
                    if (to >= 0)
                    {
                        return "Multiple To headers";
                    }

                    to = index;
                    break;
                case HeaderKind.CallId:
                    if (callId >= 0)
                    {
                        return "Multiple Call-ID headers";
                    }

                    callId = index;
                    break;
                case HeaderKind.CSeq:
                    if (cseq >= 0)
                    {
                        return "Multiple CSeq headers";
                    }

                    cseq = index;
                    break;
                case HeaderKind.MaxForwards:
                    if (msg.MaxForwardsIndex >= 0)
                    {
                        return "Multiple Max-Forwards headers";
                    }

                    msg.MaxForwardsIndex = index;
                    break;
                case HeaderKind.ContentLength:
                    if (msg.ContentLengthIndex >= 0)
                    {
                        return "Multiple Content-Length headers";
                    }

                    msg.ContentLengthIndex = index;
                    if (!SipChars.TryParseUInt(v, int.MaxValue, out ulong cl))
                    {
                        return "Bad Content-Length";
                    }

                    msg.ContentLength = (int)cl;
                    break;
            }

            pos = lineEnd;
        }

        msg.ViaCount = vias;
        if (firstVia < 0)
        {
            return "Missing Via";
        }

        if (from < 0 || to < 0 || callId < 0 || cseq < 0)
        {
            return from < 0 ? "Missing From" : to < 0 ? "Missing To" : callId < 0 ? "Missing Call-ID" : "Missing CSeq";
        }

        idx = new EssentialIndex(firstVia, from, to, callId, cseq);
        status = 0;
        return null;
    }

    /// <summary>Where the headers that <see cref="ParseEssentials"/> reads were found.</summary>
    private readonly record struct EssentialIndex(int Via, int From, int To, int CallId, int CSeq);

    private static string? ParseEssentials(SipMessage msg, EssentialIndex idx, out int status)
    {
        status = 400;
        ReadOnlyMemory<byte> buf = msg.Buffer;
        ReadOnlySpan<byte> s = buf.Span;

        // Top Via: the first item of the first Via line.
        Segment viaValue = msg.GetHeader(idx.Via).Value;
        int vp = 0;
        ListSplitter.Next(s.Slice(viaValue.Offset, viaValue.Length), ref vp, out Segment top, out _);
        if (!ViaParser.TryParse(buf, top.Shift(viaValue.Offset), out SipVia via))
        {
            return "Bad Via header";
        }

        msg.TopVia = via;

        if (!ParseSingleNameAddress(msg, msg.GetHeader(idx.From).Value, out NameAddress from))
        {
            return "Bad From header";
        }

        if (!ParseSingleNameAddress(msg, msg.GetHeader(idx.To).Value, out NameAddress to))
        {
            return "Bad To header";
        }

        msg.From = from;
        msg.To = to;

        // callid = word [ "@" word ]
        msg.CallIdSegment = msg.GetHeader(idx.CallId).Value;
        ReadOnlySpan<byte> callId = msg.CallId;
        if (callId.IsEmpty)
        {
            return "Bad Call-ID header";
        }

        int at = 0;
        foreach (byte b in callId)
        {
            if (b == '@' ? ++at > 1 : !SipChars.IsWord(b))
            {
                return "Bad Call-ID header";
            }
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

        foreach (Segment item in msg.EnumerateValues(HeaderKind.Contact))
        {
            if (item.IsEmpty || !NameAddressParser.TryParse(buf, item, allowStar: true, out _))
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

    private static bool ParseSingleNameAddress(SipMessage msg, Segment value, out NameAddress na)
    {
        ReadOnlySpan<byte> v = msg[value];
        int p = 0;
        ListSplitter.Next(v, ref p, out Segment item, out bool bad);
        if (bad || p <= v.Length)
        {
            na = default;
            return false; // empty, or more than one value
        }

        return NameAddressParser.TryParse(msg.Buffer, item.Shift(value.Offset), allowStar: false, out na);
    }

    private static bool CSeqMethodBytesEqualMethod(this SipMessage msg) => msg[msg.CSeqMethodSegment].SequenceEqual(msg.MethodBytes);
}
