using System.Text;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Auth;

/// <summary>
/// The auth-params of a Digest challenge or credentials (RFC 3261 §25.1, RFC 2617 §3.2): <c>Digest name=value, name="value", ...</c>.
/// Strings are created here: authentication runs once per request at most, not on the proxy's hot path.
/// </summary>
public sealed class DigestParameters
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

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

    public bool Stale => string.Equals(Get("stale"), "true", StringComparison.OrdinalIgnoreCase);

    public string? Get(string name) => _values.TryGetValue(name, out string? v) ? v : null;

    /// <summary>Parses a header value. False when the scheme is not Digest or the parameter list is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out DigestParameters? result)
    {
        result = null;
        value = value.Trim(" \t\r\n"u8);
        if (value.Length < 7 || !Ascii.EqualsIgnoreCase(value[..6], "Digest"u8) || !SipChars.IsLws(value[6]))
        {
            return false;
        }

        var p = new DigestParameters();
        ReadOnlySpan<byte> list = value[7..];
        int pos = 0;
        while (ListSplitter.Next(list, ref pos, out Segment item, out bool empty))
        {
            if (empty)
            {
                return false;
            }

            ReadOnlySpan<byte> s = list.Slice(item.Offset, item.Length);
            var r = new SipReader(s);
            Segment name = r.ReadToken();
            if (name.IsEmpty || !r.TryConsumeSeparator((byte)'='))
            {
                return false;
            }

            string v;
            if (r.Peek == '"')
            {
                if (!r.TryReadQuoted(out Segment q))
                {
                    return false;
                }

                v = UnescapeQuoted(s.Slice(q.Offset, q.Length));
            }
            else
            {
                Segment t = r.ReadToken();
                if (t.IsEmpty)
                {
                    return false;
                }

                v = Encoding.UTF8.GetString(s.Slice(t.Offset, t.Length));
            }

            r.SkipLws();
            if (!r.End)
            {
                return false;
            }

            p._values[Encoding.ASCII.GetString(s.Slice(name.Offset, name.Length))] = v;
        }

        result = p;
        return true;
    }

    private static string UnescapeQuoted(ReadOnlySpan<byte> s)
    {
        if (s.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(s);
        }

        var b = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            b.Add(s[i]);
        }

        return Encoding.UTF8.GetString(b.ToArray());
    }

    /// <summary>Quotes a value for a header (RFC 3261 quoted-string): backslash and quote escaped.</summary>
    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
