namespace Anchor.Sip.Text;

/// <summary>
/// A forward reader over one header value. LWS (including folded line breaks) is skipped
/// explicitly by the caller, so the grammar's SWS/LWS placement stays visible in each parser.
/// </summary>
internal ref struct SipReader
{
    private readonly ReadOnlySpan<byte> _s;
    private int _pos;

    public SipReader(ReadOnlySpan<byte> s)
    {
        _s = s;
        _pos = 0;
    }

    public readonly int Position => _pos;

    public readonly bool End => _pos >= _s.Length;

    public readonly int Peek => _pos < _s.Length ? _s[_pos] : -1;

    public readonly ReadOnlySpan<byte> Source => _s;

    public void Advance(int n) => _pos += n;

    public void Seek(int pos) => _pos = pos;

    /// <summary>Skips SP, HTAB and folded line breaks; returns true when any was skipped.</summary>
    public bool SkipLws()
    {
        int start = _pos;
        while (_pos < _s.Length && SipChars.IsLws(_s[_pos]))
        {
            _pos++;
        }

        return _pos != start;
    }

    public bool TryConsume(byte b)
    {
        if (_pos < _s.Length && _s[_pos] == b)
        {
            _pos++;
            return true;
        }

        return false;
    }

    /// <summary>Consumes <paramref name="b"/> with optional LWS around it (SWS b SWS).</summary>
    public bool TryConsumeSeparator(byte b)
    {
        int save = _pos;
        SkipLws();
        if (TryConsume(b))
        {
            SkipLws();
            return true;
        }

        _pos = save;
        return false;
    }

    public Segment ReadToken()
    {
        int start = _pos;
        _pos += SipChars.RunLength(_s[_pos..], SipChars.TokenSet);
        return new Segment(start, _pos - start);
    }

    public Segment ReadRun(System.Buffers.SearchValues<byte> set)
    {
        int start = _pos;
        _pos += SipChars.RunLength(_s[_pos..], set);
        return new Segment(start, _pos - start);
    }

    /// <summary>
    /// Reads a quoted-string (§25.1) starting at the opening quote; the segment excludes the quotes.
    /// Returns false on an unterminated string.
    /// </summary>
    public bool TryReadQuoted(out Segment inner)
    {
        inner = default;
        if (Peek != '"')
        {
            return false;
        }

        int i = _pos + 1;
        while (true)
        {
            int k = _s[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (k < 0)
            {
                return false;
            }

            i += k;
            if (_s[i] == '"')
            {
                inner = new Segment(_pos + 1, i - _pos - 1);
                _pos = i + 1;
                return true;
            }

            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            if (i + 1 >= _s.Length || _s[i + 1] is (byte)'\r' or (byte)'\n')
            {
                return false;
            }

            i += 2;
        }
    }

    /// <summary>Reads a generic-param value: token / host / quoted-string. Quotes are kept in the segment.</summary>
    public bool TryReadParamValue(out Segment value)
    {
        int start = _pos;
        if (Peek == '"')
        {
            if (!TryReadQuoted(out _))
            {
                value = default;
                return false;
            }

            value = new Segment(start, _pos - start);
            return true;
        }

        if (Peek == '[')
        {
            int close = _s[_pos..].IndexOf((byte)']');
            if (close < 0)
            {
                value = default;
                return false;
            }

            _pos += close + 1;
            value = new Segment(start, _pos - start);
            return true;
        }

        value = ReadRun(SipChars.ParamValueSet);
        return value.Length > 0;
    }
}
