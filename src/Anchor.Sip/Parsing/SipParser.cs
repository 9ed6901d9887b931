using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>
/// Parses SIP messages from bytes (RFC 3261 §7, §18.3, §25; RFC 4475). One pass over the header section builds an index
/// of header lines; only the headers every element needs are parsed eagerly. No strings are created.
/// </summary>
public static partial class SipParser
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

        int nl = s[pos..].IndexOf((byte)'\n');
        if (nl <= 0 || s[pos + nl - 1] != '\r')
        {
            return NoHeaderEnd(datagram, s.Length - pos, limits, nl < 0 ? "No end of start line" : "Start line not ended by CRLF");
        }

        int eol = pos + nl - 1; // the CR ending the start line
        var msg = new SipMessage(input) { Start = pos };
        string? startError = ParseStartLine(msg, s[pos..eol], pos, out int startStatus);
        if (startStatus == -1)
        {
            return Fail(null, 0, startError); // not SIP at all: nothing to answer
        }

        msg.HeadersStart = eol + 2;
        string? error = ParseHeaderLines(msg, s, eol + 2, limits, out int headerStatus, out EssentialIndex idx, out int hdrEnd);
        if (hdrEnd < 0)
        {
            return NoHeaderEnd(datagram, s.Length - pos, limits, "No end of header section");
        }

        msg.HeadersEnd = hdrEnd;
        int bodyStart = hdrEnd + 2;
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

    /// <summary>No complete header section: a stream waits for more (up to its limit); a datagram is dropped.</summary>
    private static SipParseResult NoHeaderEnd(bool datagram, int length, SipParserLimits limits, string reason) =>
        !datagram && length <= limits.MaxHeaderSectionSize ? new(SipParseStatus.Incomplete, null, 0, 0, null) : Fail(null, 0, reason);

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

        if (!SipUri.TryParse(msg.Buffer, ruriSeg, out msg.RequestUriField))
        {
            status = 400;
            return "Bad Request-URI";
        }

        // §19.1.1: headers are not allowed in a Request-URI; a proxy must never turn them into real headers (RFC 4475 §3.1.2.11).
        if (msg.RequestUriField.IsSip && !msg.RequestUriField.HeadersSegment.IsEmpty)
        {
            status = 400;
            return "Request-URI has headers";
        }

        if (!System.Text.Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            status = 505;
            return "Version Not Supported";
        }

        return null;
    }
}
