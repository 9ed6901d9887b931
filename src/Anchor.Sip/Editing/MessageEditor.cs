using System.Buffers.Text;
using System.Net;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Editing;

/// <summary>
/// Proxy edits kept as insert/delete "lumps" against the received bytes (Kamailio's model) and applied once when the
/// message is written: what was not touched goes out byte for byte. Edits must not overlap; each method touches its own
/// header, and inserts at the same offset keep their call order.
/// </summary>
public sealed class MessageEditor
{
    private readonly SipMessage _m;
    private readonly List<Lump> _lumps = new(8);
    private byte[]? _newBody;
    private bool _bodyReplaced;

    public MessageEditor(SipMessage message) => _m = message;

    public SipMessage Message => _m;

    /// <summary>§16.6 step 8: a new top Via, written above the existing ones.</summary>
    public MessageEditor PushVia(ReadOnlySpan<byte> viaParm)
    {
        int at = _m.IndexOf(HeaderKind.Via) is int i and >= 0 ? _m.GetHeader(i).LineStart : _m.HeadersStart;
        return Insert(at, Line("Via: "u8, viaParm));
    }

    /// <summary>§16.7 step 3: removes the top via-parm (the whole line when it held only that value).</summary>
    public MessageEditor PopVia() => RemoveFirstValue(HeaderKind.Via);

    /// <summary>§16.12: removes the first Route value (it named this proxy).</summary>
    public MessageEditor RemoveFirstRoute() => RemoveFirstValue(HeaderKind.Route);

    /// <summary>§16.6 step 4: a Record-Route above any existing ones.</summary>
    public MessageEditor AddRecordRoute(ReadOnlySpan<byte> nameAddr)
    {
        int at = _m.IndexOf(HeaderKind.RecordRoute) is int i and >= 0 ? _m.GetHeader(i).LineStart : _m.HeadersStart;
        return Insert(at, Line("Record-Route: "u8, nameAddr));
    }

    /// <summary>Adds a header line at the end of the header section.</summary>
    public MessageEditor AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Insert(_m.HeadersEnd, Line(name, value, withColon: true));

    /// <summary>Removes every header line of a kind.</summary>
    public MessageEditor RemoveHeaders(HeaderKind kind)
    {
        for (int i = 0; i < _m.HeaderCount; i++)
        {
            HeaderField h = _m.GetHeader(i);
            if (h.Kind == kind)
            {
                Delete(h.LineStart, h.LineEnd - h.LineStart);
            }
        }

        return this;
    }

    /// <summary>§16.6 step 3: Max-Forwards decremented, or set to 70 when absent (§8.1.1.6).</summary>
    public MessageEditor DecrementMaxForwards()
    {
        int idx = _m.IndexOf(HeaderKind.MaxForwards);
        if (idx < 0 || _m.MaxForwards < 0)
        {
            if (idx >= 0)
            {
                HeaderField h = _m.GetHeader(idx);
                Delete(h.LineStart, h.LineEnd - h.LineStart);
            }

            return Insert(_m.HeadersEnd, "Max-Forwards: 70\r\n"u8.ToArray());
        }

        return Replace(_m.GetHeader(idx).Value, Number(Math.Max(0, _m.MaxForwards - 1)));
    }

    public MessageEditor SetRequestUri(ReadOnlySpan<byte> uri) => Replace(_m.RequestUriSegment, uri.ToArray());

    /// <summary>Replaces the URI of the first Contact (inside its brackets when it has them).</summary>
    public MessageEditor SetContactUri(ReadOnlySpan<byte> uri)
    {
        if (!_m.TryGetContact(out NameAddress c) || c.IsStar)
        {
            return this;
        }

        return Replace(c.Uri.Whole, uri.ToArray());
    }

    /// <summary>Stamps received/rport on the top Via for the address the request came from (§18.2.1, RFC 3581).</summary>
    public MessageEditor StampTopVia(IPEndPoint source)
    {
        SipVia via = _m.TopVia;
        return ViaStamp.Needed(via, source) ? Replace(via.Whole, ViaStamp.Stamp(via, source)) : this;
    }

    /// <summary>Replaces the body; Content-Length (and Content-Type when given) follow.</summary>
    public MessageEditor SetBody(ReadOnlySpan<byte> body, ReadOnlySpan<byte> contentType = default)
    {
        _newBody = body.ToArray();
        _bodyReplaced = true;
        if (!contentType.IsEmpty)
        {
            int idx = _m.IndexOf(HeaderKind.ContentType);
            if (idx >= 0)
            {
                Replace(_m.GetHeader(idx).Value, contentType.ToArray());
            }
            else
            {
                AddHeader("Content-Type"u8, contentType);
            }
        }

        return this;
    }

    /// <summary>The edited message. Content-Length always matches the body written (added when the original had none).</summary>
    public byte[] ToArray()
    {
        ReadOnlySpan<byte> src = _m.Buffer.Span;
        int bodyLength = _bodyReplaced ? _newBody!.Length : _m.Body.Length;

        var lumps = new List<Lump>(_lumps);
        int clIdx = _m.IndexOf(HeaderKind.ContentLength);
        if (clIdx >= 0)
        {
            if (_bodyReplaced || _m.ContentLength != bodyLength)
            {
                lumps.Add(new Lump(_m.GetHeader(clIdx).Value.Offset, _m.GetHeader(clIdx).Value.Length, Number(bodyLength), lumps.Count));
            }
        }
        else
        {
            lumps.Add(new Lump(_m.HeadersEnd, 0, Line("Content-Length: "u8, Number(bodyLength)), lumps.Count));
        }

        lumps.Sort(static (a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset)
            : a.Delete != b.Delete ? a.Delete.CompareTo(b.Delete) : a.Order.CompareTo(b.Order));

        int size = _m.HeadersEnd + 2 - _m.Start + bodyLength;
        foreach (Lump l in lumps)
        {
            size += l.Insert.Length - l.Delete;
        }

        byte[] output = new byte[size];
        int w = 0;
        int pos = _m.Start;
        int headerEnd = _m.HeadersEnd + 2;
        foreach (Lump l in lumps)
        {
            if (l.Offset < pos)
            {
                throw new InvalidOperationException("Overlapping message edits");
            }

            src[pos..l.Offset].CopyTo(output.AsSpan(w));
            w += l.Offset - pos;
            l.Insert.CopyTo(output.AsSpan(w));
            w += l.Insert.Length;
            pos = l.Offset + l.Delete;
        }

        src[pos..headerEnd].CopyTo(output.AsSpan(w));
        w += headerEnd - pos;
        ReadOnlySpan<byte> body = _bodyReplaced ? _newBody : _m.BodySpan;
        body.CopyTo(output.AsSpan(w));
        w += body.Length;
        return w == output.Length ? output : output[..w];
    }

    private MessageEditor RemoveFirstValue(HeaderKind kind)
    {
        int idx = _m.IndexOf(kind);
        if (idx < 0)
        {
            return this;
        }

        HeaderField h = _m.GetHeader(idx);
        ReadOnlySpan<byte> v = _m[h.Value];
        int p = 0;
        ListSplitter.Next(v, ref p, out Segment first, out _);
        if (p > v.Length)
        {
            return Delete(h.LineStart, h.LineEnd - h.LineStart); // the only value: the whole line goes
        }

        // Delete from the first value up to where the second one starts.
        ListSplitter.Next(v, ref p, out Segment second, out _);
        return Delete(h.Value.Offset + first.Offset, second.Offset - first.Offset);
    }

    private MessageEditor Insert(int offset, byte[] bytes)
    {
        _lumps.Add(new Lump(offset, 0, bytes, _lumps.Count));
        return this;
    }

    private MessageEditor Delete(int offset, int length)
    {
        _lumps.Add(new Lump(offset, length, [], _lumps.Count));
        return this;
    }

    private MessageEditor Replace(Segment s, byte[] bytes)
    {
        _lumps.Add(new Lump(s.Offset, s.Length, bytes, _lumps.Count));
        return this;
    }

    private static byte[] Line(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> value, bool withColon = false)
    {
        int extra = withColon ? 2 : 0;
        byte[] b = new byte[prefix.Length + extra + value.Length + 2];
        prefix.CopyTo(b);
        if (withColon)
        {
            b[prefix.Length] = (byte)':';
            b[prefix.Length + 1] = (byte)' ';
        }

        value.CopyTo(b.AsSpan(prefix.Length + extra));
        b[^2] = (byte)'\r';
        b[^1] = (byte)'\n';
        return b;
    }

    private static byte[] Number(int n)
    {
        Span<byte> tmp = stackalloc byte[11];
        Utf8Formatter.TryFormat(n, tmp, out int len);
        return tmp[..len].ToArray();
    }

    private readonly record struct Lump(int Offset, int Delete, byte[] Insert, int Order);
}
