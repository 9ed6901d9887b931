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
        byte[] bytes = Encoding.UTF8.GetBytes(data);
        byte[] h = a == DigestAlgorithm.Sha256 ? SHA256.HashData(bytes) : MD5.HashData(bytes);
        return Convert.ToHexStringLower(h);
    }

    /// <summary>RFC 7616 §3.4.1 / RFC 2617 §3.2.2.1: request-digest with qop=auth, or the RFC 2069 form without qop.</summary>
    public static string Response(DigestAlgorithm a, string ha1, string nonce, string? nc, string? cnonce, string? qop, string method, string uri)
    {
        string ha2 = Hash(a, method + ":" + uri);
        return qop is null ? Hash(a, $"{ha1}:{nonce}:{ha2}") : Hash(a, $"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
    }

    public static string Ha1(DigestAlgorithm a, string username, string realm, string password) =>
        Hash(a, $"{username}:{realm}:{password}");
}
