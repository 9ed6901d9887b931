using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Sip.Editing;

/// <summary>
/// The top Via as the receiving transport must record it: RFC 3261 §18.2.1 adds <c>received</c> when sent-by differs from
/// the packet's source address; RFC 3581 §4 fills an empty <c>rport</c> with the source port and then always adds received.
/// </summary>
public static class ViaStamp
{
    /// <summary>True when <see cref="Stamp"/> would change the via-parm.</summary>
    public static bool Needed(SipVia via, IPEndPoint source)
    {
        if (via.RPort == 0)
        {
            return true;
        }

        Span<byte> ip = stackalloc byte[64];
        if (!source.Address.TryFormat(ip, out int ipLen))
        {
            return false;
        }

        ReadOnlySpan<byte> host = via.Host;
        if (host.Length > 2 && host[0] == '[')
        {
            host = host[1..^1];
        }

        if (Ascii.EqualsIgnoreCase(host, ip[..ipLen]))
        {
            return false;
        }

        return !Ascii.EqualsIgnoreCase(via.Received, ip[..ipLen]);
    }

    /// <summary>The via-parm with received/rport set for <paramref name="source"/>; other parameters are kept as written.</summary>
    public static byte[] Stamp(SipVia via, IPEndPoint source)
    {
        ReadOnlySpan<byte> original = via.Span;
        int paramsAt = via.ParametersSegment.Offset - via.Whole.Offset;
        var w = new ArrayBufferWriter<byte>(original.Length + 48);
        w.Write(original[..paramsAt].TrimEnd(" \t\r\n"u8));

        ReadOnlySpan<byte> plist = via.Parameters;
        var e = new HeaderParamEnumerator(plist);
        while (e.MoveNext())
        {
            ReadOnlySpan<byte> name = plist.Slice(e.Name.Offset, e.Name.Length);
            if (Ascii.EqualsIgnoreCase(name, "received"u8))
            {
                continue;
            }

            w.Write(";"u8);
            if (Ascii.EqualsIgnoreCase(name, "rport"u8))
            {
                w.Write("rport="u8);
                Utf8Formatter.TryFormat(source.Port, w.GetSpan(8), out int n);
                w.Advance(n);
                continue;
            }

            int end = e.Value.Length > 0 ? e.Value.Offset + e.Value.Length : e.Name.Offset + e.Name.Length;
            w.Write(plist[e.Name.Offset..end]);
        }

        w.Write(";received="u8);
        source.Address.TryFormat(w.GetSpan(64), out int ipLen);
        w.Advance(ipLen);
        return w.WrittenSpan.ToArray();
    }
}
