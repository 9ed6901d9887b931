using System.Security.Cryptography;

namespace Anchor.Sip.Auth;

/// <summary>
/// Random bytes from the platform's generator, drawn 512 at a time per thread: a call into it costs about 2 µs
/// whatever the size, and tags, branches and nonces take 6 to 12 bytes each. Bytes handed out are wiped from the pool.
/// </summary>
public static class RandomBytes
{
    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_used;

    public static void Fill(Span<byte> into)
    {
        if (into.Length > 64)
        {
            RandomNumberGenerator.Fill(into);
            return;
        }

        byte[]? pool = t_pool;
        if (pool is null || t_used + into.Length > pool.Length)
        {
            pool = t_pool ??= new byte[512];
            RandomNumberGenerator.Fill(pool);
            t_used = 0;
        }

        Span<byte> take = pool.AsSpan(t_used, into.Length);
        take.CopyTo(into);
        take.Clear();
        t_used += into.Length;
    }
}
