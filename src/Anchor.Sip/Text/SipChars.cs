using System.Buffers;

namespace Anchor.Sip.Text;

/// <summary>
/// Character classes of the RFC 3261 §25.1 grammar. Runs (hosts, tokens, user parts, Call-IDs) are scanned with
/// vectorised <see cref="SearchValues{T}"/>: <c>IndexOfAnyExcept</c> skips a whole run at once.
/// </summary>
internal static class SipChars
{
    private const string AlphaNum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"</summary>
    internal static readonly SearchValues<byte> TokenSet = Set(AlphaNum + "-.!%*_+`'~");

    /// <summary>
    /// gen-value = token / host / quoted-string. Token characters plus ':' so that an IPv6address written without brackets
    /// (Via received, RFC 5118 §4.5) reads as one value.
    /// </summary>
    internal static readonly SearchValues<byte> ParamValueSet = Set(AlphaNum + "-.!%*_+`'~:");

    /// <summary>hostname / IPv4address characters (underscore tolerated: seen in the field).</summary>
    internal static readonly SearchValues<byte> HostSet = Set(AlphaNum + "-._");

    /// <summary>user: unreserved / escaped / user-unreserved ("&amp;" "=" "+" "$" "," ";" "?" "/").</summary>
    internal static readonly SearchValues<byte> UserSet = Set(AlphaNum + "-_.!~*'()&=+$,;?/%");

    /// <summary>password: unreserved / escaped / "&amp;" "=" "+" "$" ",".</summary>
    internal static readonly SearchValues<byte> PasswordSet = Set(AlphaNum + "-_.!~*'()&=+$,%");

    /// <summary>uri-parameters: paramchar (param-unreserved / unreserved / escaped) plus the ";" and "=" that separate them.</summary>
    internal static readonly SearchValues<byte> UriParamSet = Set(AlphaNum + "-_.!~*'()[]/:&+$%;=");

    /// <summary>headers: hnv-unreserved / unreserved / escaped plus "=" and "&amp;".</summary>
    internal static readonly SearchValues<byte> UriHeaderSet = Set(AlphaNum + "-_.!~*'()[]/?:+$%=&");

    /// <summary>callid: word [ "@" word ].</summary>
    internal static readonly SearchValues<byte> CallIdSet = Set(AlphaNum + "-.!%*_+`'~()<>:\\\"/[]?{}@");

    internal static readonly SearchValues<byte> DigitSet = Set("0123456789");

    /// <summary>The bytes that matter when splitting a header value into list items.</summary>
    internal static readonly SearchValues<byte> ListSpecials = Set(",\"<>\\");

    private static SearchValues<byte> Set(string chars) => SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(chars));

    /// <summary>Length of the leading run of bytes in <paramref name="set"/>.</summary>
    public static int RunLength(ReadOnlySpan<byte> s, SearchValues<byte> set)
    {
        int i = s.IndexOfAnyExcept(set);
        return i < 0 ? s.Length : i;
    }

    public static bool IsAllToken(ReadOnlySpan<byte> s) => !s.IsEmpty && s.IndexOfAnyExcept(TokenSet) < 0;

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsAlpha(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsHex(byte b) => IsDigit(b) || (uint)((b | 0x20) - 'a') <= 5;

    /// <summary>SP, HTAB, CR or LF: inside a header value CR LF only occur as folding (§7.3.1).</summary>
    public static bool IsLws(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static int HexValue(byte b) => IsDigit(b) ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>
    /// delta-seconds (§25.1) for Expires values: -1 when empty or not all digits; values past 2^32-1 read as 2^32-1
    /// (RFC 4475 §3.1.2.4: an overlarge Expires is not an error).
    /// </summary>
    public static long ParseDeltaSeconds(ReadOnlySpan<byte> v)
    {
        if (TryParseUInt(v, uint.MaxValue, out ulong e))
        {
            return (long)e;
        }

        return v.IsEmpty || v.ContainsAnyExceptInRange((byte)'0', (byte)'9') ? -1 : uint.MaxValue;
    }

    /// <summary>Parses an unsigned decimal (leading zeros allowed); false when not all digits or over <paramref name="max"/>.</summary>
    public static bool TryParseUInt(ReadOnlySpan<byte> s, ulong max, out ulong value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (byte b in s)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            value = (value * 10) + (ulong)(b - '0');
            if (value > max)
            {
                return false;
            }
        }

        return true;
    }
}
