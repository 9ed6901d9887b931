using System.Buffers.Binary;
using Anchor.Media.Audio;
using Anchor.Media.Codecs;
using Xunit;

namespace Anchor.Media.Tests.Audio;

public class WavFileTests
{
    [Fact]
    public void Pcm_round_trips()
    {
        short[] samples = Enumerable.Range(0, 1234).Select(i => (short)((i * 997) % 65536 - 32768)).ToArray();
        AudioClip clip = WavFile.Parse("t.wav", WavFile.Build(samples));
        Assert.Equal(samples, clip.Samples);
        Assert.Equal(TimeSpan.FromSeconds(1234 / 8000.0), clip.Duration);
    }

    [Theory]
    [InlineData(7, G711Law.MuLaw)]
    [InlineData(6, G711Law.ALaw)]
    public void G711_files_are_decoded(int format, G711Law law)
    {
        byte[] codes = [0xFF, 0x80, 0x00, 0x55];
        byte[] file = Header(format, 8000, 1, 8, codes.Length).Concat(codes).ToArray();
        AudioClip clip = WavFile.Parse("g711.wav", file);
        Assert.Equal(codes.Select(c => G711.Decode(c, law)), clip.Samples);
    }

    [Theory]
    [InlineData(1, 16000, 1, 16, "16000 Hz")]
    [InlineData(1, 8000, 2, 16, "2 channel")]
    [InlineData(3, 8000, 1, 32, "format 3")]
    public void Other_formats_are_refused_with_the_fix(int format, int rate, int channels, int bits, string why)
    {
        byte[] file = Header(format, rate, channels, bits, 4).Concat(new byte[4]).ToArray();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => WavFile.Parse("music.wav", file));
        Assert.Contains("music.wav", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Contains("sox", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_a_wav_file_is_named() =>
        Assert.Contains("not a WAV", Assert.Throws<InvalidDataException>(() => WavFile.Parse("x.wav", "hello world!"u8)).Message, StringComparison.Ordinal);

    [Fact]
    public void The_shipped_prompts_and_music_load()
    {
        string root = FindRepo();
        PromptLibrary prompts = PromptLibrary.Load(Path.Combine(root, "prompts", "en"));
        Assert.True(prompts.Count >= PromptLibrary.Required.Count);
        Assert.InRange(prompts["goodbye"].Duration.TotalSeconds, 0.3, 3);
        Assert.Equal(["n-2", "n-100", "n-20", "n-3"], prompts.Number(223));
        Assert.Equal(["n-7", "n-0", "n-1"], prompts.Digits("701"));
        MusicOnHold moh = MusicOnHold.Load([Path.Combine(root, "prompts", "moh")]);
        Assert.True(moh.Tracks.Sum(t => t.Duration.TotalSeconds) > 20);
    }

    [Fact]
    public void A_missing_prompt_stops_start_up_naming_it()
    {
        string dir = Directory.CreateTempSubdirectory("anchor-prompts-").FullName;
        File.WriteAllBytes(Path.Combine(dir, "goodbye.wav"), WavFile.Build(new short[800]));
        FileNotFoundException e = Assert.Throws<FileNotFoundException>(() => PromptLibrary.Load(dir));
        Assert.Contains(".wav is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains(dir, e.Message, StringComparison.Ordinal);
    }

    private static string FindRepo()
    {
        for (string? d = AppContext.BaseDirectory; d is not null; d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(Path.Combine(d, "prompts", "en")))
            {
                return d;
            }
        }

        throw new InvalidOperationException("prompts/ not found above the test binaries");
    }

    private static byte[] Header(int format, int rate, int channels, int bits, int dataBytes)
    {
        byte[] h = new byte[44];
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4), 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(h.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(20), (short)format);
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(22), (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(24), rate);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(28), rate * channels * bits / 8);
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(32), (short)(channels * bits / 8));
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(34), (short)bits);
        "data"u8.CopyTo(h.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(40), dataBytes);
        return h;
    }
}
