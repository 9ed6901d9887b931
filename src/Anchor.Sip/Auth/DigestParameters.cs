using System.Text;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Auth;

/// <summary>
/// The auth-params of a Digest challenge or credentials (RFC 3261 §25.1, RFC 2617 §3.2): <c>Digest name=value, name="value", ...</c>.
/// One copy of the header value holds every name and value (quoted values unescaped in place); the verifier reads
/// them as bytes, and a string is made only when a property asks for one.
/// </summary>
public sealed class DigestParameters
{
    private readonly byte[] _raw;
    private readonly (Segment Name, Segment Value)[] _items;
    private readonly int _count;

    private DigestParameters(byte[] raw, (Segment, Segment)[] items, int count)
    {
        _raw = raw;
        _items = items;
        _count = count;
    }

    public string? Username => Get("username");

    public string? Realm => Get("realm");

    public string? Nonce => Get("nonce");

    public string? Uri => Get("uri");

    public string? Response => Get("response");

    public string? Algorithm => Get("algorithm");

    public string? Cnonce => Get("cnonce");

    public string? Opaque => Get("opaque");

    public string? Qop => Get("qop");

    public string? NonceCount => Get("nc");

    public bool Stale => TryGet("stale"u8, out ReadOnlySpan<byte> v) && Ascii.EqualsIgnoreCase(v, "true"u8);

    public string? Get(string name)
    {
        Span<byte> n = stackalloc byte[64];
        if (name.Length > n.Length)
        {
            return null;
        }

        int len = Encoding.ASCII.GetBytes(name, n);
        return TryGet(n[..len], out ReadOnlySpan<byte> v) ? Encoding.UTF8.GetString(v) : null;
    }

    /// <summary>The value of the parameter named <paramref name="name"/> (ASCII, any case), unquoted and unescaped; the last one if repeated.</summary>
    public bool TryGet(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            (Segment n, Segment v) = _items[i];
            if (Ascii.EqualsIgnoreCase(_raw.AsSpan(n.Offset, n.Length), name))
            {
                value = _raw.AsSpan(v.Offset, v.Length);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Parses a header value. False when the scheme is not Digest or the parameter list is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out DigestParameters? result)
    {
        result = null;
        value = value.Trim(" \t\r\n"u8);
        if (value.Length < 7 || !Ascii.EqualsIgnoreCase(value[..6], "Digest"u8) || !SipChars.IsLws(value[6]))
        {
            return false;
        }

        byte[] raw = value[7..].ToArray();
        var items = new (Segment, Segment)[12];
        int count = 0;
        int pos = 0;
        while (ListSplitter.Next(raw, ref pos, out Segment item, out bool empty))
        {
            if (empty)
            {
                return false;
            }

            var r = new SipReader(raw.AsSpan(item.Offset, item.Length));
            Segment name = r.ReadToken();
            if (name.IsEmpty || !r.TryConsumeSeparator((byte)'='))
            {
                return false;
            }

            Segment v;
            if (r.Peek == '"')
            {
                if (!r.TryReadQuoted(out Segment q))
                {
                    return false;
                }

                v = Unescape(raw, new Segment(item.Offset + q.Offset, q.Length));
            }
            else
            {
                Segment t = r.ReadToken();
                if (t.IsEmpty)
                {
                    return false;
                }

                v = new Segment(item.Offset + t.Offset, t.Length);
            }

            r.SkipLws();
            if (!r.End)
            {
                return false;
            }

            if (count == items.Length)
            {
                Array.Resize(ref items, count * 2);
            }

            items[count++] = (new Segment(item.Offset + name.Offset, name.Length), v);
        }

        result = new DigestParameters(raw, items, count);
        return true;
    }

    /// <summary>Removes quoted-pair backslashes in place (the text only shrinks); the segment of what is left.</summary>
    private static Segment Unescape(byte[] raw, Segment quoted)
    {
        Span<byte> s = raw.AsSpan(quoted.Offset, quoted.Length);
        if (s.IndexOf((byte)'\\') < 0)
        {
            return quoted;
        }

        int w = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            s[w++] = s[i];
        }

        return new Segment(quoted.Offset, w);
    }

    /// <summary>Quotes a value for a header (RFC 3261 quoted-string): backslash and quote escaped.</summary>
    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
