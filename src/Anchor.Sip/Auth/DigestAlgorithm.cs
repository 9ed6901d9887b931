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
        var input = new Joined(stackalloc byte[512]);
        input.AddUtf8(data);
        Span<byte> hex = stackalloc byte[MaxHex];
        return Encoding.ASCII.GetString(hex[..input.HexOf(a, hex)]);
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
        // Each hash's input is written out whole and hashed in one call: every call into the library has its own cost.
        var input = new Joined(stackalloc byte[512]);
        input.Add(method);
        input.Add(":"u8);
        input.Add(uri);
        Span<byte> ha2 = stackalloc byte[MaxHex];
        int n2 = input.HexOf(a, ha2);

        input.Clear();
        input.Add(ha1);
        input.Add(":"u8);
        input.Add(nonce);
        input.Add(":"u8);
        if (qop)
        {
            input.Add(nc);
            input.Add(":"u8);
            input.Add(cnonce);
            input.Add(":auth:"u8);
        }

        input.Add(ha2[..n2]);
        return input.HexOf(a, hex);
    }

    /// <summary>HA1 = H(username:realm:password) in hex into <paramref name="hex"/>.</summary>
    internal static int Ha1Hex(DigestAlgorithm a, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, string password, Span<byte> hex)
    {
        var input = new Joined(stackalloc byte[512]);
        input.Add(username);
        input.Add(":"u8);
        input.Add(realm);
        input.Add(":"u8);
        input.AddUtf8(password);
        return input.HexOf(a, hex);
    }

    /// <summary>Bytes written one after the other into a stack buffer, moved to the heap only past its size.</summary>
    private ref struct Joined(Span<byte> buffer)
    {
        private Span<byte> _buffer = buffer;
        private int _length;

        public void Add(ReadOnlySpan<byte> part)
        {
            Room(part.Length);
            part.CopyTo(_buffer[_length..]);
            _length += part.Length;
        }

        public void AddUtf8(string text)
        {
            Room(Encoding.UTF8.GetMaxByteCount(text.Length));
            _length += Encoding.UTF8.GetBytes(text, _buffer[_length..]);
        }

        public void Clear() => _length = 0;

        public readonly int HexOf(DigestAlgorithm a, Span<byte> hex)
        {
            IncrementalHash h = Start(a);
            h.AppendData(_buffer[.._length]);
            return FinishHex(h, hex);
        }

        private void Room(int more)
        {
            if (_length + more > _buffer.Length)
            {
                var bigger = new byte[Math.Max(_buffer.Length * 2, _length + more)];
                _buffer[.._length].CopyTo(bigger);
                _buffer = bigger;
            }
        }
    }

    [ThreadStatic]
    private static IncrementalHash? t_md5;

    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    private static IncrementalHash Start(DigestAlgorithm a) => a == DigestAlgorithm.Sha256
        ? t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256)
        : t_md5 ??= IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    private static int FinishHex(IncrementalHash h, Span<byte> hex)
    {
        Span<byte> digest = stackalloc byte[32];
        Convert.TryToHexStringLower(digest[..h.GetHashAndReset(digest)], hex, out int written);
        return written;
    }
}
