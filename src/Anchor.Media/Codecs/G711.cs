namespace Anchor.Media.Codecs;

/// <summary>The two G.711 companding laws (ITU-T G.711): µ-law (PCMU, payload type 0) and A-law (PCMA, 8).</summary>
public enum G711Law
{
    MuLaw,
    ALaw,
}

/// <summary>
/// G.711 encode and decode between 16-bit linear PCM and 8-bit µ-law / A-law, by table both ways (built once from
/// the formulas of ITU-T G.711 and its reference code, G.191). No allocation.
/// </summary>
public static class G711
{
    private const int MuBias = 0x84;
    private const int MuClip = 32635;

    private static readonly short[] MuToLinear = BuildDecode(G711Law.MuLaw);
    private static readonly short[] AToLinear = BuildDecode(G711Law.ALaw);
    private static readonly byte[] MuEncode = BuildEncode(G711Law.MuLaw);
    private static readonly byte[] AEncode = BuildEncode(G711Law.ALaw);

    /// <summary>The static payload type of a law (RFC 3551 §6).</summary>
    public static int PayloadType(G711Law law) => law == G711Law.MuLaw ? 0 : 8;

    public static short Decode(byte code, G711Law law) => law == G711Law.MuLaw ? MuToLinear[code] : AToLinear[code];

    /// <summary>Encodes by a 64k-entry table per law (64 KB each): one load per sample, the same code as the formula.</summary>
    public static byte Encode(short sample, G711Law law) => law == G711Law.MuLaw ? MuEncode[(ushort)sample] : AEncode[(ushort)sample];

    public static void Decode(ReadOnlySpan<byte> codes, Span<short> pcm, G711Law law)
    {
        short[] table = law == G711Law.MuLaw ? MuToLinear : AToLinear;
        for (int i = 0; i < codes.Length; i++)
        {
            pcm[i] = table[codes[i]];
        }
    }

    public static void Encode(ReadOnlySpan<short> pcm, Span<byte> codes, G711Law law)
    {
        byte[] table = law == G711Law.MuLaw ? MuEncode : AEncode;
        for (int i = 0; i < pcm.Length; i++)
        {
            codes[i] = table[(ushort)pcm[i]];
        }
    }

    /// <summary>The code a linear sample gets by the standard's formula (the tables are built from this).</summary>
    public static byte EncodeExact(short sample, G711Law law) => law == G711Law.MuLaw ? LinearToMu(sample) : LinearToA(sample);

    private static byte LinearToMu(int pcm)
    {
        int sign = (pcm >> 8) & 0x80;
        if (sign != 0)
        {
            pcm = -pcm;
        }

        if (pcm > MuClip)
        {
            pcm = MuClip;
        }

        pcm += MuBias;
        int exponent = 7;
        for (int mask = 0x4000; (pcm & mask) == 0 && exponent > 0; mask >>= 1)
        {
            exponent--;
        }

        int mantissa = (pcm >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    private static byte LinearToA(int pcm)
    {
        int sign = (~pcm >> 8) & 0x80; // A-law: a set sign bit means positive
        if (sign == 0)
        {
            pcm = -pcm - 1;
        }

        if (pcm > 32767)
        {
            pcm = 32767;
        }

        int code;
        if (pcm >= 256)
        {
            int exponent = 7;
            for (int mask = 0x4000; (pcm & mask) == 0 && exponent > 1; mask >>= 1)
            {
                exponent--;
            }

            code = (exponent << 4) | ((pcm >> (exponent + 3)) & 0x0F);
        }
        else
        {
            code = pcm >> 4;
        }

        return (byte)((code | sign) ^ 0x55);
    }

    private static short MuToLinearExact(byte code)
    {
        int u = ~code & 0xFF;
        int t = ((u & 0x0F) << 3) + MuBias;
        t <<= (u & 0x70) >> 4;
        return (short)((u & 0x80) != 0 ? MuBias - t : t - MuBias);
    }

    private static short AToLinearExact(byte code)
    {
        int a = code ^ 0x55;
        int t = (a & 0x0F) << 4;
        int seg = (a & 0x70) >> 4;
        t = seg switch
        {
            0 => t + 8,
            1 => t + 0x108,
            _ => (t + 0x108) << (seg - 1),
        };
        return (short)((a & 0x80) != 0 ? t : -t);
    }

    private static short[] BuildDecode(G711Law law)
    {
        var t = new short[256];
        for (int i = 0; i < 256; i++)
        {
            t[i] = law == G711Law.MuLaw ? MuToLinearExact((byte)i) : AToLinearExact((byte)i);
        }

        return t;
    }

    private static byte[] BuildEncode(G711Law law)
    {
        var t = new byte[65536];
        for (int i = 0; i < t.Length; i++)
        {
            short sample = (short)(ushort)i;
            t[i] = law == G711Law.MuLaw ? LinearToMu(sample) : LinearToA(sample);
        }

        return t;
    }
}
