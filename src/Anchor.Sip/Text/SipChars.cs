namespace Anchor.Sip.Text;

/// <summary>Character classes of the RFC 3261 §25.1 grammar, as one lookup table.</summary>
internal static class SipChars
{
    private const byte Token = 1;       // token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
    private const byte Unreserved = 2;  // alphanum / mark
    private const byte UserExtra = 4;   // user-unreserved: "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
    private const byte ParamExtra = 8;  // param-unreserved: "[" / "]" / "/" / ":" / "&" / "+" / "$"
    private const byte HostChar = 16;   // alphanum / "-" / "."
    private const byte HeaderExtra = 32; // hnv-unreserved: "[" / "]" / "/" / "?" / ":" / "+" / "$"
    private const byte Word = 64;       // word: token chars plus "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"

    private static readonly byte[] Table = Build();

    private static byte[] Build()
    {
        var t = new byte[256];
        for (int c = 0; c < 128; c++)
        {
            bool alnum = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9';
            if (alnum)
            {
                t[c] |= Token | Unreserved | HostChar | Word;
            }
        }

        foreach (char c in "-.!%*_+`'~")
        {
            t[c] |= Token | Word;
        }

        foreach (char c in "-_.!~*'()")
        {
            t[c] |= Unreserved;
        }

        foreach (char c in "&=+$,;?/")
        {
            t[c] |= UserExtra;
        }

        foreach (char c in "[]/:&+$")
        {
            t[c] |= ParamExtra;
        }

        foreach (char c in "[]/?:+$")
        {
            t[c] |= HeaderExtra;
        }

        foreach (char c in "()<>:\\\"/[]?{}")
        {
            t[c] |= Word;
        }

        t['-'] |= HostChar;
        t['.'] |= HostChar;
        return t;
    }

    public static bool IsToken(byte b) => (Table[b] & Token) != 0;

    public static bool IsWord(byte b) => (Table[b] & Word) != 0;

    public static bool IsUnreserved(byte b) => (Table[b] & Unreserved) != 0;

    public static bool IsUserChar(byte b) => (Table[b] & (Unreserved | UserExtra)) != 0;

    public static bool IsPasswordChar(byte b) => (Table[b] & Unreserved) != 0 || b is (byte)'&' or (byte)'=' or (byte)'+' or (byte)'$' or (byte)',';

    public static bool IsParamChar(byte b) => (Table[b] & (Unreserved | ParamExtra)) != 0;

    public static bool IsHeaderChar(byte b) => (Table[b] & (Unreserved | HeaderExtra)) != 0;

    public static bool IsHostChar(byte b) => (Table[b] & HostChar) != 0;

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsAlpha(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsHex(byte b) => IsDigit(b) || (uint)((b | 0x20) - 'a') <= 5;

    /// <summary>SP, HTAB, CR or LF: inside a header value CR LF only occur as folding (§7.3.1).</summary>
    public static bool IsLws(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static bool IsAllToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (byte b in s)
        {
            if (!IsToken(b))
            {
                return false;
            }
        }

        return true;
    }

    public static int HexValue(byte b) => IsDigit(b) ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>Parses an unsigned decimal of at most 10 digits (leading zeros allowed); false on overflow of <paramref name="max"/>.</summary>
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
