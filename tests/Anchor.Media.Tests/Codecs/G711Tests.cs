using Anchor.Media.Codecs;
using Xunit;

namespace Anchor.Media.Tests.Codecs;

/// <summary>G.711 against the values of the ITU-T reference (G.191's g711.c) and its round-trip property.</summary>
public class G711Tests
{
    [Theory]
    [InlineData(0xFF, 0)]        // µ-law positive zero
    [InlineData(0x7F, 0)]        // negative zero
    [InlineData(0x80, 32124)]    // the largest magnitudes
    [InlineData(0x00, -32124)]
    [InlineData(0xEF, 132)]      // segment 1, step 0: (0x84 << 1) - 0x84
    public void Mu_law_decodes_known_codes(int code, int linear) =>
        Assert.Equal(linear, G711.Decode((byte)code, G711Law.MuLaw));

    [Theory]
    [InlineData(0xD5, 8)]        // A-law smallest positive
    [InlineData(0x55, -8)]
    [InlineData(0xAA, 32256)]    // the largest magnitudes
    [InlineData(0x2A, -32256)]
    public void A_law_decodes_known_codes(int code, int linear) => Assert.Equal(linear, G711.Decode((byte)code, G711Law.ALaw));

    [Theory]
    [InlineData(0, 0xFF, 0xD5)]
    [InlineData(-1, 0x7F, 0x55)]
    [InlineData(32767, 0x80, 0xAA)]
    [InlineData(-32768, 0x00, 0x2A)]
    [InlineData(1000, 0xCE, 0xFA)]
    [InlineData(-1000, 0x4E, 0x7A)]
    public void Encodes_known_samples(int linear, int mu, int a)
    {
        Assert.Equal(mu, G711.Encode((short)linear, G711Law.MuLaw));
        Assert.Equal(a, G711.Encode((short)linear, G711Law.ALaw));
    }

    [Theory]
    [InlineData(G711Law.MuLaw)]
    [InlineData(G711Law.ALaw)]
    public void Every_code_survives_decode_then_encode(G711Law law)
    {
        for (int c = 0; c < 256; c++)
        {
            if (law == G711Law.MuLaw && c == 0x7F)
            {
                continue; // µ-law's negative zero decodes to 0, which encodes as positive zero
            }

            Assert.Equal(c, G711.Encode(G711.Decode((byte)c, law), law));
        }
    }

    [Theory]
    [InlineData(G711Law.MuLaw)]
    [InlineData(G711Law.ALaw)]
    public void The_table_encoder_equals_the_formula_for_every_sample(G711Law law)
    {
        for (int s = short.MinValue; s <= short.MaxValue; s++)
        {
            Assert.Equal(G711.EncodeExact((short)s, law), G711.Encode((short)s, law));
        }
    }

    [Fact]
    public void Quantisation_error_stays_within_the_segment_step()
    {
        for (int s = -32000; s <= 32000; s += 37)
        {
            int mu = G711.Decode(G711.Encode((short)s, G711Law.MuLaw), G711Law.MuLaw);
            int a = G711.Decode(G711.Encode((short)s, G711Law.ALaw), G711Law.ALaw);
            int tolerance = Math.Max(16, Math.Abs(s) / 16); // half a step of the segment the sample falls in, roughly
            Assert.InRange(mu - s, -tolerance, tolerance);
            Assert.InRange(a - s, -tolerance, tolerance);
        }
    }
}
