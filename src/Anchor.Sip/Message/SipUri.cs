using System.Text;
using Anchor.Sip.Parsing;
using Anchor.Sip.Text;

namespace Anchor.Sip.Message;

/// <summary>
/// A parsed URI (RFC 3261 §19.1, §25.1): a view over bytes owned elsewhere, no copy.
/// For sip:/sips: every component is split out; other schemes (tel:, absoluteURI) keep only scheme and whole.
/// </summary>
public readonly struct SipUri
{
    private readonly ReadOnlyMemory<byte> _source;

    internal SipUri(ReadOnlyMemory<byte> source, Segment whole, UriScheme scheme, Segment schemeText, Segment user, Segment password,
        Segment host, int port, Segment parameters, Segment headers, bool hasUser, bool isIPv6)
    {
        _source = source;
        Whole = whole;
        Scheme = scheme;
        SchemeText = schemeText;
        UserSegment = user;
        PasswordSegment = password;
        HostSegment = host;
        Port = port;
        ParametersSegment = parameters;
        HeadersSegment = headers;
        HasUser = hasUser;
        IsIPv6 = isIPv6;
    }

    public Segment Whole { get; }

    public UriScheme Scheme { get; }

    public Segment SchemeText { get; }

    public Segment UserSegment { get; }

    public Segment PasswordSegment { get; }

    public Segment HostSegment { get; }

    /// <summary>The explicit port, or 0 when the URI has none.</summary>
    public int Port { get; }

    /// <summary>URI parameters, the text after the first ';' and before any '?'.</summary>
    public Segment ParametersSegment { get; }

    /// <summary>URI headers, the text after '?'.</summary>
    public Segment HeadersSegment { get; }

    public bool HasUser { get; }

    public bool IsIPv6 { get; }

    public bool IsSip => Scheme is UriScheme.Sip or UriScheme.Sips;

    public ReadOnlySpan<byte> Span => Slice(Whole);

    public ReadOnlySpan<byte> User => Slice(UserSegment);

    /// <summary>The host as written; an IPv6 reference keeps its brackets.</summary>
    public ReadOnlySpan<byte> Host => Slice(HostSegment);

    public ReadOnlySpan<byte> Parameters => Slice(ParametersSegment);

    public ReadOnlySpan<byte> Headers => Slice(HeadersSegment);

    /// <summary>True when the URI has the <c>lr</c> parameter (§16.4, loose routing).</summary>
    public bool IsLooseRouter => TryGetParameter("lr"u8, out _);

    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        Anchor.Sip.Parsing.Parameters.TryGetUriParam(Parameters, name, out value);

    /// <summary>The user part with %HH escapes decoded (§19.1.4). Allocates: for config, logs and lookups at the edges.</summary>
    public string UserUnescaped => Escaping.Unescape(User);

    public string HostString => Encoding.ASCII.GetString(Host);

    public override string ToString() => Encoding.UTF8.GetString(Span);

    private ReadOnlySpan<byte> Slice(Segment s) => _source.Span.Slice(s.Offset, s.Length);

    /// <summary>Parses a whole URI; <paramref name="segment"/> locates it in <paramref name="source"/>.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> source, Segment segment, out SipUri uri) =>
        SipUriParser.TryParse(source, segment, out uri);

    public static bool TryParse(ReadOnlyMemory<byte> source, out SipUri uri) =>
        SipUriParser.TryParse(source, new Segment(0, source.Length), out uri);

    public static SipUri Parse(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return TryParse(bytes, out SipUri uri) ? uri : throw new FormatException($"Not a valid URI: '{text}'");
    }
}
