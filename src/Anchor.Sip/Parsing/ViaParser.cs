using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Text;

namespace Anchor.Sip.Parsing;

/// <summary>
/// <c>via-parm = sent-protocol LWS sent-by *( SEMI via-params )</c>, with SLASH and COLON allowing LWS around them (§25.1).
/// </summary>
internal static class ViaParser
{
    public static bool TryParse(ReadOnlyMemory<byte> source, Segment item, out SipVia via)
    {
        via = default;
        ReadOnlySpan<byte> s = source.Span.Slice(item.Offset, item.Length);
        var r = new SipReader(s);
        r.SkipLws();
        int begin = r.Position;

        // sent-protocol = protocol-name SLASH protocol-version SLASH transport
        Segment name = r.ReadToken();
        if (!Ascii.EqualsIgnoreCase(s.Slice(name.Offset, name.Length), "SIP"u8) || !r.TryConsumeSeparator((byte)'/'))
        {
            return false;
        }

        Segment version = r.ReadToken();
        if (!s.Slice(version.Offset, version.Length).SequenceEqual("2.0"u8) || !r.TryConsumeSeparator((byte)'/'))
        {
            return false;
        }

        Segment transport = r.ReadToken();
        if (transport.IsEmpty || !r.SkipLws())
        {
            return false;
        }

        // sent-by = host [ COLON port ]
        int hs = r.Position;
        if (r.Peek == '[')
        {
            int close = s[hs..].IndexOf((byte)']');
            if (close < 0 || !SipUriParser.IsIPv6Text(s.Slice(hs + 1, close - 1)))
            {
                return false;
            }

            r.Advance(close + 1);
        }
        else
        {
            r.ReadRun(SipChars.HostSet);
        }

        var host = new Segment(hs, r.Position - hs);
        if (host.IsEmpty)
        {
            return false;
        }

        int port = 0;
        if (r.TryConsumeSeparator((byte)':'))
        {
            Segment digits = r.ReadRun(SipChars.DigitSet);
            if (!SipChars.TryParseUInt(s.Slice(digits.Offset, digits.Length), 65535, out ulong pv) || pv == 0)
            {
                return false;
            }

            port = (int)pv;
        }

        int paramStart = r.Position;
        ReadOnlySpan<byte> plist = s[paramStart..];
        int rport = -1;
        Segment branch = default, received = default, maddr = default;
        var pe = new HeaderParamEnumerator(plist);
        while (pe.MoveNext())
        {
            ReadOnlySpan<byte> n = plist.Slice(pe.Name.Offset, pe.Name.Length);
            ReadOnlySpan<byte> v = plist.Slice(pe.Value.Offset, pe.Value.Length);
            Segment abs = pe.Value.Shift(item.Offset + paramStart);
            if (Ascii.EqualsIgnoreCase(n, "branch"u8))
            {
                if (v.IsEmpty || !SipChars.IsAllToken(v))
                {
                    return false;
                }

                branch = abs;
            }
            else if (Ascii.EqualsIgnoreCase(n, "received"u8))
            {
                if (!IsIp(v))
                {
                    return false;
                }

                received = abs;
            }
            else if (Ascii.EqualsIgnoreCase(n, "rport"u8))
            {
                if (v.IsEmpty)
                {
                    rport = 0;
                }
                else if (SipChars.TryParseUInt(v, 65535, out ulong rpv) && rpv > 0)
                {
                    rport = (int)rpv;
                }
                else
                {
                    return false;
                }
            }
            else if (Ascii.EqualsIgnoreCase(n, "maddr"u8))
            {
                if (v.IsEmpty)
                {
                    return false;
                }

                maddr = abs;
            }
            else if (Ascii.EqualsIgnoreCase(n, "ttl"u8) && !SipChars.TryParseUInt(v, 255, out _))
            {
                return false;
            }
        }

        if (pe.Malformed)
        {
            return false;
        }

        int end = s.Length;
        while (end > begin && SipChars.IsLws(s[end - 1]))
        {
            end--;
        }

        via = new SipVia(source, new Segment(item.Offset + begin, end - begin), transport.Shift(item.Offset),
            TransportOf(s.Slice(transport.Offset, transport.Length)), host.Shift(item.Offset), port,
            new Segment(item.Offset + paramStart, s.Length - paramStart), branch, received, rport, maddr);
        return true;
    }

    public static TransportKind TransportOf(ReadOnlySpan<byte> t) =>
        Ascii.EqualsIgnoreCase(t, "UDP"u8) ? TransportKind.Udp
        : Ascii.EqualsIgnoreCase(t, "TCP"u8) ? TransportKind.Tcp
        : Ascii.EqualsIgnoreCase(t, "TLS"u8) ? TransportKind.Tls
        : Ascii.EqualsIgnoreCase(t, "SCTP"u8) ? TransportKind.Sctp
        : Ascii.EqualsIgnoreCase(t, "WS"u8) ? TransportKind.Ws
        : Ascii.EqualsIgnoreCase(t, "WSS"u8) ? TransportKind.Wss
        : TransportKind.Unknown;

    /// <summary>received = IPv4address / IPv6address; RFC 5118 §4.5 notes implementations also write an IPv6 reference in brackets.</summary>
    private static bool IsIp(ReadOnlySpan<byte> v)
    {
        if (v.Length > 2 && v[0] == '[' && v[^1] == ']')
        {
            v = v[1..^1];
        }

        return v.IndexOf((byte)':') >= 0 ? SipUriParser.IsIPv6Text(v) : SipUriParser.IsIPv4Text(v);
    }
}
