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
    /// Case-insensitive compare against a lower-case name of letters and '-'. Letters fold with |0x20; '-' must match exactly
    /// (CR | 0x20 is '-', so folding it would let a control byte through).
    /// </summary>
    private static HeaderKind Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower, HeaderKind kind)
    {
        for (int i = 1; i < lower.Length; i++)
        {
            byte c = name[i];
            byte l = lower[i];
            if (l == '-' ? c != l : (c | 0x20) != l)
            {
                return HeaderKind.Unknown;
            }
        }

        return kind;
    }
}
