using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Anchor.Sip.Message;

/// <summary>
/// Writes a new message line by line into one growing buffer. Content-Length is always written, from the body given
/// (§18.3 requires it on streams; writing it everywhere costs nothing). The buffer is the thread's spare when it has
/// one (given back by <see cref="Finish"/>), so a message costs one array, its own; a writer must not be used after
/// <see cref="Finish"/>.
/// </summary>
public sealed class SipMessageWriter
{
    private const int LargestKept = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_spare;

    private ArrayBufferWriter<byte>? _buf;

    public SipMessageWriter(int initialCapacity = 1024)
    {
        if (t_spare is { } spare)
        {
            t_spare = null; // a writer made before this one finishes gets a buffer of its own
            spare.ResetWrittenCount();
            _buf = spare;
        }
        else
        {
            _buf = new ArrayBufferWriter<byte>(Math.Max(initialCapacity, 1024));
        }
    }

    private ArrayBufferWriter<byte> Buffer => _buf ?? throw new InvalidOperationException("The message was finished");

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
        Buffer.Write(bytes);
        return this;
    }

    public SipMessageWriter Text(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        ArrayBufferWriter<byte> buf = Buffer;
        int n = Encoding.UTF8.GetBytes(s, buf.GetSpan(max));
        buf.Advance(n);
        return this;
    }

    public SipMessageWriter Number(long n)
    {
        ArrayBufferWriter<byte> buf = Buffer;
        Utf8Formatter.TryFormat(n, buf.GetSpan(20), out int written);
        buf.Advance(written);
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
        ArrayBufferWriter<byte> buf = Buffer;
        byte[] message = buf.WrittenSpan.ToArray();
        _buf = null;
        if (buf.Capacity <= LargestKept)
        {
            t_spare = buf; // the next message written on this thread reuses it
        }

        return message;
    }
}
