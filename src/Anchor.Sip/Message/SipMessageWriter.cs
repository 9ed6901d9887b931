using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Anchor.Sip.Message;

/// <summary>
/// Writes a new message line by line into one growing buffer. Content-Length is always written, from the body given
/// (§18.3 requires it on streams; writing it everywhere costs nothing).
/// </summary>
public sealed class SipMessageWriter
{
    private readonly ArrayBufferWriter<byte> _buf;

    public SipMessageWriter(int initialCapacity = 1024) => _buf = new ArrayBufferWriter<byte>(initialCapacity);

    public SipMessageWriter RequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> uri) =>
        Raw(method).Raw(" "u8).Raw(uri).Raw(" SIP/2.0\r\n"u8);

    public SipMessageWriter RequestLine(SipMethod method, string uri) =>
        RequestLine(Encoding.ASCII.GetBytes(SipMethods.Name(method)), Encoding.UTF8.GetBytes(uri));

    public SipMessageWriter StatusLine(int status, string reason)
    {
        Raw("SIP/2.0 "u8);
        Number(status);
        Raw(" "u8);
        return Text(reason).Raw("\r\n"u8);
    }

    public SipMessageWriter Header(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Raw(name).Raw(": "u8).Raw(value).Raw("\r\n"u8);

    public SipMessageWriter Header(string name, string value) => Text(name).Raw(": "u8).Text(value).Raw("\r\n"u8);

    public SipMessageWriter Header(HeaderKind kind, string value) => Header(HeaderNames.Canonical(kind), value);

    public SipMessageWriter Header(HeaderKind kind, ReadOnlySpan<byte> value) => Header(Encoding.ASCII.GetBytes(HeaderNames.Canonical(kind)), value);

    /// <summary>Copies a header line exactly as received (name, value, folding), ending it with CRLF.</summary>
    public SipMessageWriter RawLine(ReadOnlySpan<byte> lineWithCrlf) => Raw(lineWithCrlf);

    public SipMessageWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _buf.Write(bytes);
        return this;
    }

    public SipMessageWriter Text(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        int n = Encoding.UTF8.GetBytes(s, _buf.GetSpan(max));
        _buf.Advance(n);
        return this;
    }

    public SipMessageWriter Number(long n)
    {
        Utf8Formatter.TryFormat(n, _buf.GetSpan(20), out int written);
        _buf.Advance(written);
        return this;
    }

    /// <summary>Ends the header section with Content-Length (and Content-Type when a body is given) and the body.</summary>
    public byte[] Finish(ReadOnlySpan<byte> body = default, string? contentType = null)
    {
        if (!body.IsEmpty && contentType is not null)
        {
            Header("Content-Type", contentType);
        }

        Raw("Content-Length: "u8).Number(body.Length).Raw("\r\n\r\n"u8).Raw(body);
        return _buf.WrittenSpan.ToArray();
    }
}
