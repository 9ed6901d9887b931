using System.Text;

namespace Anchor.Sip.Text;

/// <summary>%HH escapes (RFC 3261 §25.1 "escaped"); decoding happens only where the RFC says it is meaningful (URI components).</summary>
public static class Escaping
{
    public static bool IsValid(ReadOnlySpan<byte> s)
    {
        for (int i = s.IndexOf((byte)'%'); i >= 0;)
        {
            if (i + 2 >= s.Length || !SipChars.IsHex(s[i + 1]) || !SipChars.IsHex(s[i + 2]))
            {
                return false;
            }

            int next = s[(i + 3)..].IndexOf((byte)'%');
            i = next < 0 ? -1 : i + 3 + next;
        }

        return true;
    }

    public static string Unescape(ReadOnlySpan<byte> s)
    {
        if (s.IndexOf((byte)'%') < 0)
        {
            return Encoding.UTF8.GetString(s);
        }

        Span<byte> buf = s.Length <= 256 ? stackalloc byte[s.Length] : new byte[s.Length];
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && SipChars.IsHex(s[i + 1]) && SipChars.IsHex(s[i + 2]))
            {
                buf[n++] = (byte)((SipChars.HexValue(s[i + 1]) << 4) | SipChars.HexValue(s[i + 2]));
                i += 2;
            }
            else
            {
                buf[n++] = s[i];
            }
        }

        return Encoding.UTF8.GetString(buf[..n]);
    }
}
