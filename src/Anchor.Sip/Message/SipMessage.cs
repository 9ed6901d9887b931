using System.Text;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Message;

/// <summary>
/// A received SIP message (RFC 3261 §7): the bytes as they arrived, the start line, an index of header lines,
/// and the few values every element needs, parsed once. Everything else is parsed on demand from the bytes.
/// All segments are offsets into <see cref="Buffer"/>.
/// </summary>
public sealed class SipMessage
{
    internal HeaderTable HeaderTable;

    internal SipMessage(ReadOnlyMemory<byte> buffer) => Buffer = buffer;

    public ReadOnlyMemory<byte> Buffer { get; }

    /// <summary>Where the message starts in <see cref="Buffer"/> (after any leading CRLFs, §7.5).</summary>
    public int Start { get; internal set; }

    /// <summary>Where the message ends in <see cref="Buffer"/>: the end of its body. Octets after it were not part of it (§18.3).</summary>
    public int End { get; internal set; }

    public bool IsRequest { get; internal set; }

    public bool IsResponse => !IsRequest;

    public SipMethod Method { get; internal set; }

    public Segment MethodSegment { get; internal set; }

    internal SipUri RequestUriField;
    internal SipVia TopViaField;
    internal NameAddress FromField;
    internal NameAddress ToField;

    /// <summary>The first Contact, parsed once while validating the message; -1 offset when there is none.</summary>
    internal NameAddress FirstContactField;
    internal bool HasFirstContact;

    /// <summary>The parsed Request-URI. Returned by reference: these views are large structs, and copying them costs more than reading them.</summary>
    public ref readonly SipUri RequestUri => ref RequestUriField;

    public Segment RequestUriSegment { get; internal set; }

    public int StatusCode { get; internal set; }

    public Segment ReasonSegment { get; internal set; }

    /// <summary>Offset of the first header line (just after the start line's CRLF).</summary>
    public int HeadersStart { get; internal set; }

    /// <summary>Offset of the empty line that ends the header section.</summary>
    public int HeadersEnd { get; internal set; }

    public Segment Body { get; internal set; }

    public ref readonly SipVia TopVia => ref TopViaField;

    /// <summary>The number of via-parms over all Via header lines.</summary>
    public int ViaCount { get; internal set; }

    public ref readonly NameAddress From => ref FromField;

    public ref readonly NameAddress To => ref ToField;

    public Segment CallIdSegment { get; internal set; }

    public uint CSeq { get; internal set; }

    public SipMethod CSeqMethod { get; internal set; }

    public Segment CSeqMethodSegment { get; internal set; }

    /// <summary>Max-Forwards, or -1 when absent (or overlarge, RFC 4475 §3.1.2.4).</summary>
    public int MaxForwards { get; internal set; } = -1;

    /// <summary>Content-Length, or -1 when absent (allowed on UDP, §18.3).</summary>
    public int ContentLength { get; internal set; } = -1;

    internal int ContentLengthIndex { get; set; } = -1;

    internal int MaxForwardsIndex { get; set; } = -1;

    public int HeaderCount => HeaderTable.Count;

    public HeaderField GetHeader(int index) => HeaderTable[index];

    public ReadOnlySpan<byte> this[Segment s] => Buffer.Span.Slice(s.Offset, s.Length);

    public ReadOnlySpan<byte> Span => Buffer.Span[Start..End];

    public ReadOnlySpan<byte> MethodBytes => this[MethodSegment];

    public ReadOnlySpan<byte> CallId => this[CallIdSegment];

    public ReadOnlySpan<byte> Reason => this[ReasonSegment];

    public ReadOnlySpan<byte> BodySpan => this[Body];

    public string CallIdString => Encoding.UTF8.GetString(CallId);

    public int IndexOf(HeaderKind kind, int startAt = 0)
    {
        if (kind != HeaderKind.Unknown)
        {
            int first = HeaderTable.First(kind);
            if (first < 0 || startAt <= first)
            {
                return first;
            }
        }

        for (int i = startAt; i < HeaderTable.Count; i++)
        {
            if (HeaderTable[i].Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    public int Count(HeaderKind kind)
    {
        int n = 0;
        for (int i = 0; i < HeaderTable.Count; i++)
        {
            if (HeaderTable[i].Kind == kind)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The value of the first header of this kind.</summary>
    public bool TryGetHeader(HeaderKind kind, out ReadOnlySpan<byte> value)
    {
        int i = IndexOf(kind);
        value = i < 0 ? default : this[HeaderTable[i].Value];
        return i >= 0;
    }

    /// <summary>The value of the first header with this name (case-insensitive), for headers without a <see cref="HeaderKind"/>.</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        HeaderKind kind = HeaderNames.Lookup(name);
        if (kind != HeaderKind.Unknown)
        {
            return TryGetHeader(kind, out value);
        }

        for (int i = 0; i < HeaderTable.Count; i++)
        {
            HeaderField h = HeaderTable[i];
            if (h.Kind == HeaderKind.Unknown && Ascii.EqualsIgnoreCase(this[h.Name], name))
            {
                value = this[h.Value];
                return true;
            }
        }

        value = default;
        return false;
    }

    public string? GetHeaderString(string name)
    {
        Span<byte> n = stackalloc byte[Encoding.ASCII.GetMaxByteCount(name.Length)];
        int len = Encoding.ASCII.GetBytes(name, n);
        return TryGetHeader(n[..len], out ReadOnlySpan<byte> v) ? Encoding.UTF8.GetString(v) : null;
    }

    /// <summary>Every comma-separated value of every header of this kind, in order (§7.3.1).</summary>
    public ValueEnumerator EnumerateValues(HeaderKind kind) => new(this, kind);

    public bool TryParseVia(Segment item, out SipVia via) => ViaParser.TryParse(Buffer, item, out via);

    public bool TryParseNameAddress(Segment item, out NameAddress value) =>
        NameAddressParser.TryParse(Buffer, item, allowStar: true, out value);

    /// <summary>Parses all Contact values; false when one is malformed.</summary>
    public bool TryGetContacts(List<NameAddress> into)
    {
        foreach (Segment item in EnumerateValues(HeaderKind.Contact))
        {
            if (item.IsEmpty || !TryParseNameAddress(item, out NameAddress c))
            {
                return false;
            }

            into.Add(c);
        }

        return true;
    }

    /// <summary>The first Contact, when there is one (it was parsed and validated with the message).</summary>
    public bool TryGetContact(out NameAddress contact)
    {
        contact = FirstContactField;
        return HasFirstContact;
    }

    /// <summary>The Expires header in seconds, -1 when absent or malformed; overlarge values read as 2^32-1 (RFC 4475 §3.1.2.4).</summary>
    public long Expires => TryGetHeader(HeaderKind.Expires, out ReadOnlySpan<byte> v) ? SipChars.ParseDeltaSeconds(v) : -1;

    /// <summary>True when any Require/Supported/Proxy-Require value of <paramref name="kind"/> names <paramref name="optionTag"/>.</summary>
    public bool HasOptionTag(HeaderKind kind, ReadOnlySpan<byte> optionTag)
    {
        foreach (Segment item in EnumerateValues(kind))
        {
            if (Ascii.EqualsIgnoreCase(this[item], optionTag))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Encoding.UTF8.GetString(Span);

    /// <summary>Enumerates list items across header lines of one kind. Items are trimmed; an empty item means ",," in the value.</summary>
    public struct ValueEnumerator
    {
        private readonly SipMessage _m;
        private readonly HeaderKind _kind;
        private int _header;
        private int _pos;
        private Segment _value;

        internal ValueEnumerator(SipMessage m, HeaderKind kind)
        {
            _m = m;
            _kind = kind;
            _header = -1;
            _pos = int.MaxValue;
            _value = default;
            Current = default;
        }

        public Segment Current { get; private set; }

        public readonly ValueEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (true)
            {
                if (_pos <= _value.Length)
                {
                    ReadOnlySpan<byte> v = _m[_value];
                    if (ListSplitter.Next(v, ref _pos, out Segment item, out _))
                    {
                        Current = item.Shift(_value.Offset);
                        return true;
                    }
                }

                _header = _m.IndexOf(_kind, _header + 1);
                if (_header < 0)
                {
                    return false;
                }

                _value = _m.HeaderTable[_header].Value;
                _pos = 0;
            }
        }
    }
}
