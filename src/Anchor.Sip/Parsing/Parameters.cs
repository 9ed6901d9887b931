using System.Text;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>
/// Reads <c>;name[=value]</c> parameter lists (header params, RFC 3261 §7.3.1 generic-param; and URI params, §19.1.1).
/// The list text starts at its first ';' (or is empty). Values are returned raw: quoted strings keep their quotes.
/// </summary>
public static class Parameters
{
    /// <summary>Validates a header parameter list: every entry needs a non-empty token name and a well-formed value.</summary>
    internal static bool ValidateHeaderParams(ReadOnlySpan<byte> list)
    {
        var e = new HeaderParamEnumerator(list);
        while (e.MoveNext())
        {
        }

        return !e.Malformed;
    }

    /// <summary>Finds a header parameter by case-insensitive name.</summary>
    public static bool TryGetHeaderParam(ReadOnlySpan<byte> list, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var e = new HeaderParamEnumerator(list);
        while (e.MoveNext())
        {
            if (Ascii.EqualsIgnoreCase(list.Slice(e.Name.Offset, e.Name.Length), name))
            {
                value = list.Slice(e.Value.Offset, e.Value.Length);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Finds a URI parameter (no LWS allowed) by case-insensitive name. <paramref name="list"/> is the text after the first ';'.</summary>
    public static bool TryGetUriParam(ReadOnlySpan<byte> list, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!list.IsEmpty)
        {
            int semi = list.IndexOf((byte)';');
            ReadOnlySpan<byte> item = semi < 0 ? list : list[..semi];
            int eq = item.IndexOf((byte)'=');
            ReadOnlySpan<byte> n = eq < 0 ? item : item[..eq];
            if (Ascii.EqualsIgnoreCase(n, name))
            {
                value = eq < 0 ? default : item[(eq + 1)..];
                return true;
            }

            list = semi < 0 ? default : list[(semi + 1)..];
        }

        value = default;
        return false;
    }
}

/// <summary>One pass over <c>*( SEMI generic-param )</c>; stops with <see cref="Malformed"/> set on a syntax error.</summary>
internal ref struct HeaderParamEnumerator
{
    private SipReader _r;

    public HeaderParamEnumerator(ReadOnlySpan<byte> list)
    {
        _r = new SipReader(list);
        Name = default;
        Value = default;
        Malformed = false;
    }

    public Segment Name { get; private set; }

    public Segment Value { get; private set; }

    public bool Malformed { get; private set; }

    public bool MoveNext()
    {
        _r.SkipLws();
        if (_r.End)
        {
            return false;
        }

        if (!_r.TryConsume((byte)';'))
        {
            Malformed = true;
            return false;
        }

        _r.SkipLws();
        Name = _r.ReadToken();
        if (Name.IsEmpty)
        {
            Malformed = true;
            return false;
        }

        Value = default;
        if (_r.TryConsumeSeparator((byte)'='))
        {
            if (!_r.TryReadParamValue(out Segment v))
            {
                Malformed = true;
                return false;
            }

            Value = v;
        }
        else
        {
            Value = new Segment(_r.Position, 0);
        }

        return true;
    }
}
