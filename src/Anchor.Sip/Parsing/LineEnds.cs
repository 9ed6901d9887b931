using System.Numerics;
using System.Runtime.Intrinsics;

namespace Anchor.Sip.Parsing;

/// <summary>
/// Finds the LFs of a header section for the line scan: one vector compare per 64 bytes, kept as a bit mask that the next lines
/// read, instead of a search call per line (a header line is 20-60 bytes). The portable search where vectors are not accelerated.
/// </summary>
internal ref struct LineEnds
{
    private const int Block = 64;
    private readonly ReadOnlySpan<byte> _s;

    /// <summary>Where the block described by <see cref="_mask"/> starts; its bit i is set when that block's byte i is an LF.</summary>
    private int _base;
    private ulong _mask;

    public LineEnds(ReadOnlySpan<byte> s)
    {
        _s = s;
        _base = int.MinValue / 2;
    }

    /// <summary>The offset of the first LF at or after <paramref name="from"/> (at most the input's length), or -1.</summary>
    public int Next(int from)
    {
        if ((uint)(from - _base) < Block)
        {
            ulong m = _mask >> (from - _base);
            if (m != 0)
            {
                return from + BitOperations.TrailingZeroCount(m);
            }

            from = _base + Block;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var lf = Vector256.Create((byte)'\n');
            while (from + Block <= _s.Length)
            {
                ReadOnlySpan<byte> b = _s.Slice(from, Block);
                ulong low = Vector256.Equals(Vector256.Create(b), lf).ExtractMostSignificantBits();
                ulong high = Vector256.Equals(Vector256.Create(b[32..]), lf).ExtractMostSignificantBits();
                _base = from;
                _mask = low | (high << 32);
                if (_mask != 0)
                {
                    return from + BitOperations.TrailingZeroCount(_mask);
                }

                from += Block;
            }
        }

        int k = _s[from..].IndexOf((byte)'\n');
        return k < 0 ? -1 : from + k;
    }
}
