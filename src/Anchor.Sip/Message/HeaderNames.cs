using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Anchor.Sip.Message;

/// <summary>Maps header names, long or compact (RFC 3261 §7.3.3, §20), to <see cref="HeaderKind"/>. Case-insensitive, no allocation.</summary>
public static class HeaderNames
{
    public static HeaderKind Lookup(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return HeaderKind.Unknown;
        }

        if (name.Length == 1)
        {
            return (name[0] | 0x20) switch
            {
                'v' => HeaderKind.Via,
                'f' => HeaderKind.From,
                't' => HeaderKind.To,
                'i' => HeaderKind.CallId,
                'm' => HeaderKind.Contact,
                'l' => HeaderKind.ContentLength,
                'c' => HeaderKind.ContentType,
                'e' => HeaderKind.ContentEncoding,
                'k' => HeaderKind.Supported,
                's' => HeaderKind.Subject,
                'o' => HeaderKind.Event,
                'r' => HeaderKind.ReferTo,
                'u' => HeaderKind.AllowEvents,
                'x' => HeaderKind.SessionExpires,
                'a' => HeaderKind.AcceptContact,
                'b' => HeaderKind.ReferredBy,
                'y' => HeaderKind.Identity,
                _ => HeaderKind.Unknown,
            };
        }

        // Length, then first letter, then one compare: at most two candidates share both.
        return (name.Length, name[0] | 0x20) switch
        {
            (2, 't') => Is(name, "to"u8, HeaderKind.To),
            (3, 'v') => Is(name, "via"u8, HeaderKind.Via),
            (4, 'f') => Is(name, "from"u8, HeaderKind.From),
            (4, 'c') => Is(name, "cseq"u8, HeaderKind.CSeq),
            (4, 'd') => Is(name, "date"u8, HeaderKind.Date),
            (4, 'p') => Is(name, "path"u8, HeaderKind.Path),
            (5, 'r') => Is(name, "route"u8, HeaderKind.Route),
            (5, 'a') => Is(name, "allow"u8, HeaderKind.Allow),
            (5, 'e') => Is(name, "event"u8, HeaderKind.Event),
            (6, 'a') => Is(name, "accept"u8, HeaderKind.Accept),
            (6, 's') => Is(name, "server"u8, HeaderKind.Server),
            (7, 'c') => Is(name, "call-id"u8, HeaderKind.CallId) is var k && k != HeaderKind.Unknown ? k : Is(name, "contact"u8, HeaderKind.Contact),
            (7, 'e') => Is(name, "expires"u8, HeaderKind.Expires),
            (7, 'r') => Is(name, "require"u8, HeaderKind.Require),
            (7, 's') => Is(name, "subject"u8, HeaderKind.Subject),
            (7, 'w') => Is(name, "warning"u8, HeaderKind.Warning),
            (8, 'r') => Is(name, "refer-to"u8, HeaderKind.ReferTo),
            (8, 'i') => Is(name, "identity"u8, HeaderKind.Identity),
            (9, 's') => Is(name, "supported"u8, HeaderKind.Supported),
            (9, 't') => Is(name, "timestamp"u8, HeaderKind.Timestamp),
            (10, 'u') => Is(name, "user-agent"u8, HeaderKind.UserAgent),
            (11, 'm') => Is(name, "min-expires"u8, HeaderKind.MinExpires),
            (11, 'u') => Is(name, "unsupported"u8, HeaderKind.Unsupported),
            (11, 'r') => Is(name, "referred-by"u8, HeaderKind.ReferredBy) is var k && k != HeaderKind.Unknown ? k : Is(name, "retry-after"u8, HeaderKind.RetryAfter),
            (12, 'm') => Is(name, "max-forwards"u8, HeaderKind.MaxForwards),
            (12, 'r') => Is(name, "record-route"u8, HeaderKind.RecordRoute),
            (12, 'c') => Is(name, "content-type"u8, HeaderKind.ContentType),
            (12, 'a') => Is(name, "allow-events"u8, HeaderKind.AllowEvents),
            (13, 'a') => Is(name, "authorization"u8, HeaderKind.Authorization),
            (13, 'p') => Is(name, "proxy-require"u8, HeaderKind.ProxyRequire),
            (14, 'c') => Is(name, "content-length"u8, HeaderKind.ContentLength),
            (14, 'a') => Is(name, "accept-contact"u8, HeaderKind.AcceptContact),
            (15, 's') => Is(name, "session-expires"u8, HeaderKind.SessionExpires),
            (16, 'w') => Is(name, "www-authenticate"u8, HeaderKind.WwwAuthenticate),
            (16, 'c') => Is(name, "content-encoding"u8, HeaderKind.ContentEncoding),
            (18, 'p') => Is(name, "proxy-authenticate"u8, HeaderKind.ProxyAuthenticate),
            (19, 'p') => Is(name, "proxy-authorization"u8, HeaderKind.ProxyAuthorization),
            _ => HeaderKind.Unknown,
        };
    }

    /// <summary>The canonical long name, for messages Anchor writes.</summary>
    public static string Canonical(HeaderKind kind) => kind switch
    {
        HeaderKind.Via => "Via",
        HeaderKind.From => "From",
        HeaderKind.To => "To",
        HeaderKind.CallId => "Call-ID",
        HeaderKind.CSeq => "CSeq",
        HeaderKind.MaxForwards => "Max-Forwards",
        HeaderKind.Contact => "Contact",
        HeaderKind.Route => "Route",
        HeaderKind.RecordRoute => "Record-Route",
        HeaderKind.ContentLength => "Content-Length",
        HeaderKind.ContentType => "Content-Type",
        HeaderKind.ContentEncoding => "Content-Encoding",
        HeaderKind.Expires => "Expires",
        HeaderKind.MinExpires => "Min-Expires",
        HeaderKind.Supported => "Supported",
        HeaderKind.Require => "Require",
        HeaderKind.ProxyRequire => "Proxy-Require",
        HeaderKind.Unsupported => "Unsupported",
        HeaderKind.Allow => "Allow",
        HeaderKind.Accept => "Accept",
        HeaderKind.Authorization => "Authorization",
        HeaderKind.ProxyAuthorization => "Proxy-Authorization",
        HeaderKind.WwwAuthenticate => "WWW-Authenticate",
        HeaderKind.ProxyAuthenticate => "Proxy-Authenticate",
        HeaderKind.Subject => "Subject",
        HeaderKind.Event => "Event",
        HeaderKind.AllowEvents => "Allow-Events",
        HeaderKind.ReferTo => "Refer-To",
        HeaderKind.ReferredBy => "Referred-By",
        HeaderKind.SessionExpires => "Session-Expires",
        HeaderKind.AcceptContact => "Accept-Contact",
        HeaderKind.Identity => "Identity",
        HeaderKind.UserAgent => "User-Agent",
        HeaderKind.Server => "Server",
        HeaderKind.Date => "Date",
        HeaderKind.Path => "Path",
        HeaderKind.Timestamp => "Timestamp",
        HeaderKind.RetryAfter => "Retry-After",
        HeaderKind.Warning => "Warning",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Case-insensitive compare against a lower-case name of letters and '-' of the same length (2 to 19 bytes), eight bytes at a
    /// time. A letter of <paramref name="lower"/> matches either case; a '-' must match exactly (CR | 0x20 is '-', so folding
    /// every byte would let a control byte through): the fold bit is taken from 0x40, which letters have and '-' has not.
    /// </summary>
    private static HeaderKind Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower, HeaderKind kind)
    {
        ref byte n = ref MemoryMarshal.GetReference(name);
        ref byte l = ref MemoryMarshal.GetReference(lower);
        int length = lower.Length;
        if (length >= 8)
        {
            for (int i = 0; i < length - 8; i += 8)
            {
                if (!Folded(Load64(ref n, i), Load64(ref l, i)))
                {
                    return HeaderKind.Unknown;
                }
            }

            return Folded(Load64(ref n, length - 8), Load64(ref l, length - 8)) ? kind : HeaderKind.Unknown;
        }

        if (length >= 4)
        {
            return Folded(Load32(ref n, 0), Load32(ref l, 0)) && Folded(Load32(ref n, length - 4), Load32(ref l, length - 4))
                ? kind : HeaderKind.Unknown;
        }

        // 2 or 3 bytes: the first two, then the last two.
        return Folded(Load16(ref n, 0), Load16(ref l, 0)) && Folded(Load16(ref n, length - 2), Load16(ref l, length - 2))
            ? kind : HeaderKind.Unknown;
    }

    private static bool Folded(ulong name, ulong lower) => (name | ((lower & 0x4040404040404040) >> 1)) == lower;

    private static ulong Load64(ref byte b, int at) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, at));

    private static ulong Load32(ref byte b, int at) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, at));

    private static ulong Load16(ref byte b, int at) => Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref b, at));
}
