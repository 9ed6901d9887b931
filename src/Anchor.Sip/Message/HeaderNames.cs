using System.Text;

namespace Anchor.Sip.Message;

/// <summary>Maps header names, long or compact (RFC 3261 §7.3.3, §20), to <see cref="HeaderKind"/>. Case-insensitive, no allocation.</summary>
public static class HeaderNames
{
    public static HeaderKind Lookup(ReadOnlySpan<byte> name)
    {
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

        // Switch on length first, then compare: a handful of byte compares per header.
        return name.Length switch
        {
            2 => Is(name, "To"u8) ? HeaderKind.To : HeaderKind.Unknown,
            3 => Is(name, "Via"u8) ? HeaderKind.Via : HeaderKind.Unknown,
            4 => Is(name, "From"u8) ? HeaderKind.From
                : Is(name, "CSeq"u8) ? HeaderKind.CSeq
                : Is(name, "Date"u8) ? HeaderKind.Date
                : Is(name, "Path"u8) ? HeaderKind.Path : HeaderKind.Unknown,
            5 => Is(name, "Route"u8) ? HeaderKind.Route
                : Is(name, "Allow"u8) ? HeaderKind.Allow
                : Is(name, "Event"u8) ? HeaderKind.Event : HeaderKind.Unknown,
            6 => Is(name, "Accept"u8) ? HeaderKind.Accept
                : Is(name, "Server"u8) ? HeaderKind.Server : HeaderKind.Unknown,
            7 => Is(name, "Call-ID"u8) ? HeaderKind.CallId
                : Is(name, "Contact"u8) ? HeaderKind.Contact
                : Is(name, "Expires"u8) ? HeaderKind.Expires
                : Is(name, "Require"u8) ? HeaderKind.Require
                : Is(name, "Subject"u8) ? HeaderKind.Subject
                : Is(name, "Warning"u8) ? HeaderKind.Warning : HeaderKind.Unknown,
            8 => Is(name, "Refer-To"u8) ? HeaderKind.ReferTo
                : Is(name, "Identity"u8) ? HeaderKind.Identity : HeaderKind.Unknown,
            9 => Is(name, "Supported"u8) ? HeaderKind.Supported
                : Is(name, "Timestamp"u8) ? HeaderKind.Timestamp : HeaderKind.Unknown,
            10 => Is(name, "User-Agent"u8) ? HeaderKind.UserAgent : HeaderKind.Unknown,
            11 => Is(name, "Min-Expires"u8) ? HeaderKind.MinExpires
                : Is(name, "Unsupported"u8) ? HeaderKind.Unsupported
                : Is(name, "Referred-By"u8) ? HeaderKind.ReferredBy
                : Is(name, "Retry-After"u8) ? HeaderKind.RetryAfter : HeaderKind.Unknown,
            12 => Is(name, "Max-Forwards"u8) ? HeaderKind.MaxForwards
                : Is(name, "Record-Route"u8) ? HeaderKind.RecordRoute
                : Is(name, "Content-Type"u8) ? HeaderKind.ContentType
                : Is(name, "Allow-Events"u8) ? HeaderKind.AllowEvents : HeaderKind.Unknown,
            13 => Is(name, "Authorization"u8) ? HeaderKind.Authorization
                : Is(name, "Proxy-Require"u8) ? HeaderKind.ProxyRequire : HeaderKind.Unknown,
            14 => Is(name, "Content-Length"u8) ? HeaderKind.ContentLength
                : Is(name, "Accept-Contact"u8) ? HeaderKind.AcceptContact : HeaderKind.Unknown,
            15 => Is(name, "Session-Expires"u8) ? HeaderKind.SessionExpires : HeaderKind.Unknown,
            16 => Is(name, "WWW-Authenticate"u8) ? HeaderKind.WwwAuthenticate
                : Is(name, "Content-Encoding"u8) ? HeaderKind.ContentEncoding : HeaderKind.Unknown,
            18 => Is(name, "Proxy-Authenticate"u8) ? HeaderKind.ProxyAuthenticate : HeaderKind.Unknown,
            19 => Is(name, "Proxy-Authorization"u8) ? HeaderKind.ProxyAuthorization : HeaderKind.Unknown,
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

    /// <summary>Headers whose value may be a comma-separated list (§7.3.1); used to count and split values.</summary>
    public static bool IsList(HeaderKind kind) => kind is HeaderKind.Via or HeaderKind.Contact or HeaderKind.Route
        or HeaderKind.RecordRoute or HeaderKind.Supported or HeaderKind.Require or HeaderKind.ProxyRequire
        or HeaderKind.Unsupported or HeaderKind.Allow or HeaderKind.Accept or HeaderKind.Path or HeaderKind.AllowEvents;

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> canonical) => Ascii.EqualsIgnoreCase(name, canonical);
}
