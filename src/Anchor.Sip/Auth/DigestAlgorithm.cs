using System.Security.Cryptography;
using System.Text;

namespace Anchor.Sip.Auth;

/// <summary>Digest hash algorithms: MD5 (RFC 2617) and SHA-256 (RFC 7616, RFC 8760 for SIP).</summary>
public enum DigestAlgorithm
{
    Md5,
    Sha256,
}

public static class DigestAlgorithms
{
    public static string Name(DigestAlgorithm a) => a == DigestAlgorithm.Sha256 ? "SHA-256" : "MD5";

    public static bool TryParse(string? s, out DigestAlgorithm a)
    {
        a = DigestAlgorithm.Md5;
        if (s is null || s.Equals("MD5", StringComparison.OrdinalIgnoreCase))
        {
            return true; // absent means MD5 (RFC 2617 §3.2.1)
        }

        if (s.Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
        {
            a = DigestAlgorithm.Sha256;
            return true;
        }

        return false;
    }

    /// <summary>Lower-case hex of H(data), as the digest response expects.</summary>
    public static string Hash(DigestAlgorithm a, string data)
    {
        IncrementalHash h = Start(a);
        Append(h, data);
        Span<byte> hex = stackalloc byte[MaxHex];
        return Encoding.ASCII.GetString(hex[..FinishHex(h, hex)]);
    }

    /// <summary>RFC 7616 §3.4.1 / RFC 2617 §3.2.2.1: request-digest with qop=auth, or the RFC 2069 form without qop.</summary>
    public static string Response(DigestAlgorithm a, string ha1, string nonce, string? nc, string? cnonce, string? qop, string method, string uri)
    {
        Span<byte> hex = stackalloc byte[MaxHex];
        int n = ResponseHex(a, Encoding.ASCII.GetBytes(ha1), Encoding.UTF8.GetBytes(nonce), nc is null ? default : Encoding.ASCII.GetBytes(nc),
            cnonce is null ? default : Encoding.UTF8.GetBytes(cnonce), qop is not null, Encoding.ASCII.GetBytes(method), Encoding.UTF8.GetBytes(uri), hex);
        return Encoding.ASCII.GetString(hex[..n]);
    }

    public static string Ha1(DigestAlgorithm a, string username, string realm, string password) =>
        Hash(a, $"{username}:{realm}:{password}");

    /// <summary>The longest hex digest: SHA-256's 64 characters.</summary>
    internal const int MaxHex = 64;

    /// <summary>
    /// The request-digest in hex into <paramref name="hex"/>, every part as bytes: nothing allocated, the hash objects
    /// reused (one per algorithm and thread; a one-shot hash through the platform's library costs more than the hashing).
    /// </summary>
    internal static int ResponseHex(DigestAlgorithm a, ReadOnlySpan<byte> ha1, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> nc,
        ReadOnlySpan<byte> cnonce, bool qop, ReadOnlySpan<byte> method, ReadOnlySpan<byte> uri, Span<byte> hex)
    {
        IncrementalHash h = Start(a);
        h.AppendData(method);
        h.AppendData(":"u8);
        h.AppendData(uri);
        Span<byte> ha2 = stackalloc byte[MaxHex];
        int n2 = FinishHex(h, ha2);

        h.AppendData(ha1);
        h.AppendData(":"u8);
        h.AppendData(nonce);
        h.AppendData(":"u8);
        if (qop)
        {
            h.AppendData(nc);
            h.AppendData(":"u8);
            h.AppendData(cnonce);
            h.AppendData(":auth:"u8);
        }

        h.AppendData(ha2[..n2]);
        return FinishHex(h, hex);
    }

    /// <summary>HA1 = H(username:realm:password) in hex into <paramref name="hex"/>.</summary>
    internal static int Ha1Hex(DigestAlgorithm a, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, string password, Span<byte> hex)
    {
        IncrementalHash h = Start(a);
        h.AppendData(username);
        h.AppendData(":"u8);
        h.AppendData(realm);
        h.AppendData(":"u8);
        Append(h, password);
        return FinishHex(h, hex);
    }

    [ThreadStatic]
    private static IncrementalHash? t_md5;

    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    private static IncrementalHash Start(DigestAlgorithm a) => a == DigestAlgorithm.Sha256
        ? t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256)
        : t_md5 ??= IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    private static void Append(IncrementalHash h, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 512)
        {
            Span<byte> b = stackalloc byte[512];
            h.AppendData(b[..Encoding.UTF8.GetBytes(text, b)]);
        }
        else
        {
            h.AppendData(Encoding.UTF8.GetBytes(text));
        }
    }

    private static int FinishHex(IncrementalHash h, Span<byte> hex)
    {
        Span<byte> digest = stackalloc byte[32];
        int n = h.GetHashAndReset(digest);
        for (int i = 0; i < n; i++)
        {
            hex[2 * i] = (byte)"0123456789abcdef"[digest[i] >> 4];
            hex[(2 * i) + 1] = (byte)"0123456789abcdef"[digest[i] & 0xF];
        }

        return 2 * n;
    }
}
