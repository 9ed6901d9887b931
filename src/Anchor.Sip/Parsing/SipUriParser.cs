using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>URI grammar of RFC 3261 §25.1 (SIP-URI, SIPS-URI) and RFC 3966 tel; other schemes as absoluteURI.</summary>
internal static class SipUriParser
{
    public static bool TryParse(ReadOnlyMemory<byte> source, Segment seg, out SipUri uri)
    {
        uri = default;
        ReadOnlySpan<byte> s = source.Span.Slice(seg.Offset, seg.Length);
        int colon = s.IndexOf((byte)':');
        if (colon <= 0 || !SipChars.IsAlpha(s[0]))
        {
            return false;
        }

        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        for (int i = 1; i < colon; i++)
        {
            byte b = s[i];
            if (!(SipChars.IsAlpha(b) || SipChars.IsDigit(b) || b is (byte)'+' or (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        ReadOnlySpan<byte> schemeText = s[..colon];
        // "sip" by hand (the common case; scheme bytes are letters, digits and "+-.", which | 0x20 folds only between cases).
        UriScheme scheme = colon == 3 && (s[0] | 0x20) == 's' && (s[1] | 0x20) == 'i' && (s[2] | 0x20) == 'p' ? UriScheme.Sip
            : System.Text.Ascii.EqualsIgnoreCase(schemeText, "sips"u8) ? UriScheme.Sips
            : System.Text.Ascii.EqualsIgnoreCase(schemeText, "tel"u8) ? UriScheme.Tel
            : UriScheme.Other;
        var schemeSeg = new Segment(seg.Offset, colon);

        if (scheme is not (UriScheme.Sip or UriScheme.Sips))
        {
            // absoluteURI / telephone-subscriber: no whitespace, no delimiters that would end a header value.
            if (colon + 1 >= s.Length)
            {
                return false;
            }

            foreach (byte b in s[(colon + 1)..])
            {
                if (b <= 0x20 || b >= 0x7f || b is (byte)'<' or (byte)'>' or (byte)'"')
                {
                    return false;
                }
            }

            uri = new SipUri(source, seg, scheme, schemeSeg, default, default, default, 0, default, default, false, false);
            return true;
        }

        int p = colon + 1;
        int at = s[p..].IndexOf((byte)'@');
        Segment user = default, password = default;
        bool hasUser = false;
        if (at >= 0)
        {
            // userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
            ReadOnlySpan<byte> userinfo = s.Slice(p, at);
            int pc = userinfo.IndexOf((byte)':');
            ReadOnlySpan<byte> u = pc < 0 ? userinfo : userinfo[..pc];
            if (u.IsEmpty || u.IndexOfAnyExcept(SipChars.UserSet) >= 0 || !Escaping.IsValid(u))
            {
                return false;
            }

            user = new Segment(seg.Offset + p, u.Length);
            if (pc >= 0)
            {
                ReadOnlySpan<byte> pw = userinfo[(pc + 1)..];
                if (pw.IndexOfAnyExcept(SipChars.PasswordSet) >= 0 || !Escaping.IsValid(pw))
                {
                    return false;
                }

                password = new Segment(seg.Offset + p + pc + 1, pw.Length);
            }

            hasUser = true;
            p += at + 1;
        }

        // hostport = host [ ":" port ]
        int hostStart = p;
        bool ipv6 = false;
        if (p < s.Length && s[p] == '[')
        {
            int close = s[p..].IndexOf((byte)']');
            if (close < 0 || !IsIPv6Text(s.Slice(p + 1, close - 1)))
            {
                return false;
            }

            p += close + 1;
            ipv6 = true;
        }
        else
        {
            p += SipChars.RunLength(s[p..], SipChars.HostSet);
        }

        if (p == hostStart)
        {
            return false;
        }

        var host = new Segment(seg.Offset + hostStart, p - hostStart);
        int port = 0;
        if (p < s.Length && s[p] == ':')
        {
            int ps = ++p;
            p += SipChars.RunLength(s[p..], SipChars.DigitSet);
            if (!SipChars.TryParseUInt(s[ps..p], 65535, out ulong pv))
            {
                return false;
            }

            port = (int)pv;
        }

        Segment parameters = default;
        if (p < s.Length && s[p] == ';')
        {
            int ps = ++p;
            p += SipChars.RunLength(s[p..], SipChars.UriParamSet);
            if (p < s.Length && s[p] != '?')
            {
                return false;
            }

            ReadOnlySpan<byte> list = s[ps..p];
            if (!Escaping.IsValid(list) || !ValidUriParams(list))
            {
                return false;
            }

            parameters = new Segment(seg.Offset + ps, p - ps);
        }

        Segment headers = default;
        if (p < s.Length && s[p] == '?')
        {
            int hs = ++p;
            p += SipChars.RunLength(s[p..], SipChars.UriHeaderSet);

            if (p == hs || !Escaping.IsValid(s[hs..p]))
            {
                return false;
            }

            headers = new Segment(seg.Offset + hs, p - hs);
        }

        if (p != s.Length)
        {
            return false;
        }

        uri = new SipUri(source, seg, scheme, schemeSeg, user, password, host, port, parameters, headers, hasUser, ipv6);
        return true;
    }

    private static bool ValidUriParams(ReadOnlySpan<byte> list)
    {
        // uri-parameter = pname [ "=" pvalue ]; no empty pname.
        while (true)
        {
            int semi = list.IndexOf((byte)';');
            ReadOnlySpan<byte> item = semi < 0 ? list : list[..semi];
            int eq = item.IndexOf((byte)'=');
            if (item.IsEmpty || eq == 0 || (eq > 0 && item[(eq + 1)..].IndexOf((byte)'=') >= 0))
            {
                return false;
            }

            if (semi < 0)
            {
                return true;
            }

            list = list[(semi + 1)..];
        }
    }

    /// <summary>
    /// IPv6address (RFC 3261 §25.1, RFC 4291 §2.2): up to eight 1–4 digit hex groups, at most one "::", an optional dotted
    /// IPv4 tail counting as two groups. RFC 5118 §4.9: a reference with ":::" or too many groups is not an address.
    /// </summary>
    internal static bool IsIPv6Text(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2)
        {
            return false;
        }

        int groups = 0;
        bool compressed = false;
        int i = 0;
        if (s[0] == ':')
        {
            if (s[1] != ':')
            {
                return false;
            }

            compressed = true;
            i = 2;
            if (i == s.Length)
            {
                return true; // "::"
            }
        }

        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && SipChars.IsHex(s[i]) && i - start < 5)
            {
                i++;
            }

            if (i < s.Length && s[i] == '.')
            {
                // IPv4 tail: the rest must be a dotted quad.
                if (!IsIPv4(s[start..]))
                {
                    return false;
                }

                groups += 2;
                i = s.Length;
                break;
            }

            int len = i - start;
            if (len is 0 or > 4)
            {
                return false;
            }

            groups++;
            if (i == s.Length)
            {
                break;
            }

            if (s[i] != ':')
            {
                return false;
            }

            i++;
            if (i < s.Length && s[i] == ':')
            {
                if (compressed)
                {
                    return false; // a second "::"
                }

                compressed = true;
                i++;
                if (i == s.Length)
                {
                    break;
                }
            }
            else if (i == s.Length)
            {
                return false; // trailing single ':'
            }
        }

        return compressed ? groups < 8 : groups == 8;
    }

    internal static bool IsIPv4Text(ReadOnlySpan<byte> s) => IsIPv4(s);

    private static bool IsIPv4(ReadOnlySpan<byte> s)
    {
        int parts = 0;
        while (true)
        {
            int dot = s.IndexOf((byte)'.');
            ReadOnlySpan<byte> part = dot < 0 ? s : s[..dot];
            if (part.Length is 0 or > 3 || !SipChars.TryParseUInt(part, 255, out _))
            {
                return false;
            }

            parts++;
            if (dot < 0)
            {
                return parts == 4;
            }

            s = s[(dot + 1)..];
        }
    }
}
