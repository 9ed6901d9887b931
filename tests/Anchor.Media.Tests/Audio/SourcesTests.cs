using Anchor.Media.Audio;
using Xunit;

namespace Anchor.Media.Tests.Audio;

public class SourcesTests
{
    private static List<short> Drain(IAudioSource s, int maxFrames = 1000)
    {
        var all = new List<short>();
        short[] frame = new short[AudioClip.FrameSamples];
        for (int i = 0; i < maxFrames; i++)
        {
            int n = s.Read(frame);
            all.AddRange(frame[..n]);
            if (n < frame.Length)
            {
                break;
            }
        }

        return all;
    }

    [Fact]
    public void A_playlist_plays_its_parts_back_to_back_and_ends()
    {
        var a = new AudioClip("a", Enumerable.Repeat((short)1, 250).ToArray());
        var b = new AudioClip("b", Enumerable.Repeat((short)2, 100).ToArray());
        List<short> all = Drain(PlaylistSource.Of([a, b, a]));
        Assert.Equal(600, all.Count); // no padding between parts: 250 + 100 + 250
        Assert.Equal(Enumerable.Repeat((short)1, 250).Concat(Enumerable.Repeat((short)2, 100)).Concat(Enumerable.Repeat((short)1, 250)), all);
    }

    [Fact]
    public void A_looped_playlist_goes_on_and_an_empty_one_ends()
    {
        var a = new AudioClip("a", Enumerable.Repeat((short)5, 90).ToArray());
        Assert.Equal(160 * 50, Drain(PlaylistSource.Of([a], loop: true), maxFrames: 50).Count);
        Assert.Empty(Drain(PlaylistSource.Of([new AudioClip("empty", [])], loop: true)));
    }

    [Fact]
    public void Tones_have_their_cadence_and_frequency()
    {
        Assert.Equal(6.0, Tones.RingBack.Duration.TotalSeconds, 3);
        short[] s = Tones.Beep.Samples;
        int crossings = 0;
        for (int i = 1; i < 8000 / 2; i++)
        {
            crossings += (s[i - 1] < 0) != (s[i] < 0) ? 1 : 0;
        }

        Assert.InRange(crossings, 990, 1010); // 1 kHz over 0.5 s: 1,000 zero crossings
        Assert.InRange(s.Max(), 4500, 6000);  // about −13 dBm0
    }

    [Fact]
    public void Silence_detection_measures_how_long_it_lasted()
    {
        var d = new SilenceDetector();
        short[] loud = Tones.Beep.Samples[..160];
        Assert.False(d.Process(loud));
        for (int i = 0; i < 50; i++)
        {
            Assert.True(d.Process(new short[160]));
        }

        Assert.Equal(1.0, d.SilentFor.TotalSeconds, 3);
        d.Process(loud);
        Assert.Equal(TimeSpan.Zero, d.SilentFor);
    }
}
