using System.Collections.Concurrent;

namespace Anchor.Media.Engine;

/// <summary>
/// Small numbers for (encoding, clock rate) pairs, so the relay can map one party's payload type to the other's with
/// two array lookups per packet (RFC 4733 asks a B2BUA to rewrite telephone-event types between legs that chose
/// different numbers). Assigned when SDP is read, never per packet. Id 0 means unknown.
/// </summary>
internal static class EncodingIds
{
    public const int Max = 255;
    private static readonly ConcurrentDictionary<string, byte> Ids = new(StringComparer.OrdinalIgnoreCase);
    private static int s_next;

    public static byte Of(string encoding, int clockRate)
    {
        if (encoding.Length == 0)
        {
            return 0;
        }

        return Ids.GetOrAdd(encoding + "/" + clockRate, _ =>
        {
            int id = Interlocked.Increment(ref s_next);
            return id >= Max ? (byte)0 : (byte)id; // past 254 distinct encodings: unknown, passed through unchanged
        });
    }
}
