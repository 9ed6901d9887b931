using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Sip.Uas;

/// <summary>
/// The checks a request passes before application logic: RFC 3261 §8.2 for a UAS (registrar, endpoint) and §16.3 for a proxy.
/// Stateless and allocation-free on success.
/// </summary>
public static class RequestChecks
{
    /// <summary>§8.2.1–§8.2.3 in order. ACK is never answered (§17.2.1): callers must not respond to it.</summary>
    public static CheckFailure? CheckUas(SipMessage request, ElementCapabilities caps)
    {
        // §8.2.1 Method inspection.
        if (request.Method == SipMethod.Unknown)
        {
            return new CheckFailure(501, "Not Implemented", "Allow", caps.AllowHeader);
        }

        if (!caps.Methods.Contains(request.Method))
        {
            return new CheckFailure(405, "Method Not Allowed", "Allow", caps.AllowHeader);
        }

        // §8.2.2.1 Request-URI scheme.
        if (!request.RequestUri.IsSip)
        {
            return new CheckFailure(416, "Unsupported URI Scheme");
        }

        // §8.2.2.3 Require: not for CANCEL, nor ACK for a non-2xx.
        if (request.Method is not (SipMethod.Cancel or SipMethod.Ack))
        {
            string? unsupported = UnsupportedTags(request, HeaderKind.Require, caps);
            if (unsupported is not null)
            {
                return new CheckFailure(420, "Bad Extension", "Unsupported", unsupported);
            }
        }

        // §8.2.3 Content processing.
        if (request.Body.Length > 0 && request.Method is not (SipMethod.Ack or SipMethod.Cancel))
        {
            if (!request.TryGetHeader(HeaderKind.ContentType, out ReadOnlySpan<byte> ct) || !IsAccepted(ct, caps))
            {
                return new CheckFailure(415, "Unsupported Media Type", "Accept", caps.AcceptHeader);
            }

            if (request.TryGetHeader(HeaderKind.ContentEncoding, out ReadOnlySpan<byte> ce) && !ce.Trim(" \t"u8).SequenceEqual("identity"u8))
            {
                return new CheckFailure(415, "Unsupported Media Type", "Accept-Encoding", "identity");
            }
        }

        // §21.4.7: an INVITE whose Accept excludes every body we could answer with (RFC 4475 §3.3.15).
        if (request.Method == SipMethod.Invite && request.IndexOf(HeaderKind.Accept) >= 0 && !AcceptsAny(request, caps))
        {
            return new CheckFailure(406, "Not Acceptable", "Accept", caps.AcceptHeader);
        }

        // §10.3 step 3 (registrar): the To header must hold a SIP or SIPS address of record (RFC 4475 §3.3.4).
        if (request.Method == SipMethod.Register && !request.To.Uri.IsSip)
        {
            return new CheckFailure(400, "Bad Request (To is not a SIP address of record)");
        }

        return null;
    }

    /// <summary>§16.3 request validation at a proxy, after the parser's syntax check. Loop detection (§16.3 step 4) needs state and lives with the proxy.</summary>
    public static CheckFailure? CheckProxy(SipMessage request, ElementCapabilities caps)
    {
        // Step 2: URI scheme.
        if (request.RequestUri.Scheme is not (UriScheme.Sip or UriScheme.Sips or UriScheme.Tel))
        {
            return new CheckFailure(416, "Unsupported URI Scheme");
        }

        // Step 3: Max-Forwards (OPTIONS addressed to the proxy itself is handled before this by the caller).
        if (request.MaxForwards == 0 && request.Method != SipMethod.Ack)
        {
            return new CheckFailure(483, "Too Many Hops");
        }

        // Step 5: Proxy-Require.
        if (request.Method is not (SipMethod.Cancel or SipMethod.Ack))
        {
            string? unsupported = UnsupportedTags(request, HeaderKind.ProxyRequire, caps);
            if (unsupported is not null)
            {
                return new CheckFailure(420, "Bad Extension", "Unsupported", unsupported);
            }
        }

        return null;
    }

    private static string? UnsupportedTags(SipMessage request, HeaderKind kind, ElementCapabilities caps)
    {
        StringBuilder? sb = null;
        foreach (var item in request.EnumerateValues(kind))
        {
            if (item.IsEmpty)
            {
                continue;
            }

            string tag = Encoding.UTF8.GetString(request[item]);
            if (!caps.Extensions.Contains(tag))
            {
                sb = sb is null ? new StringBuilder(tag) : sb.Append(", ").Append(tag);
            }
        }

        return sb?.ToString();
    }

    private static bool IsAccepted(ReadOnlySpan<byte> contentType, ElementCapabilities caps)
    {
        int semi = contentType.IndexOf((byte)';');
        ReadOnlySpan<byte> mediaType = (semi < 0 ? contentType : contentType[..semi]).Trim(" \t\r\n"u8);
        foreach (string accepted in caps.AcceptedContentTypes)
        {
            if (Ascii.EqualsIgnoreCase(mediaType, accepted))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AcceptsAny(SipMessage request, ElementCapabilities caps)
    {
        bool sawValue = false;
        foreach (var item in request.EnumerateValues(HeaderKind.Accept))
        {
            ReadOnlySpan<byte> v = request[item];
            if (v.IsEmpty)
            {
                continue;
            }

            sawValue = true;
            int semi = v.IndexOf((byte)';');
            ReadOnlySpan<byte> range = (semi < 0 ? v : v[..semi]).Trim(" \t\r\n"u8);
            if (range.SequenceEqual("*/*"u8))
            {
                return true;
            }

            foreach (string accepted in caps.AcceptedContentTypes)
            {
                if (Ascii.EqualsIgnoreCase(range, accepted)
                    || (range.EndsWith("/*"u8) && Ascii.EqualsIgnoreCase(range[..^1], accepted.AsSpan(0, accepted.IndexOf('/') + 1))))
                {
                    return true;
                }
            }
        }

        // An empty Accept header means no body is acceptable, which an answer without SDP satisfies (§20.1).
        return !sawValue;
    }
}
