namespace Anchor.Media.Audio;

/// <summary>
/// The call-progress tones Anchor generates (North American precise tones, ANSI T1.401 / Telcordia GR-506): ring-back
/// 440+480 Hz 2 s on 4 s off, busy 480+620 Hz 0.5 s on 0.5 s off, and the 1 kHz beep before a recording. Made once
/// into clips, at −13 dBm0 per frequency (the standard level); played in a loop where they repeat.
/// </summary>
public static class Tones
{
    public static readonly AudioClip RingBack = Cadence("ringback", 440, 480, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));

    public static readonly AudioClip Busy = Cadence("busy", 480, 620, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.5));

    public static readonly AudioClip Beep = Cadence("beep", 1000, 0, TimeSpan.FromSeconds(0.5), TimeSpan.Zero);

    /// <summary>A tone of one or two frequencies (0: none) for <paramref name="on"/>, then silence for <paramref name="off"/>.</summary>
    public static AudioClip Cadence(string name, double f1, double f2, TimeSpan on, TimeSpan off)
    {
        int onSamples = (int)(on.TotalSeconds * AudioClip.SampleRate);
        var s = new short[onSamples + (int)(off.TotalSeconds * AudioClip.SampleRate)];
        const double amplitude = 22765 * 0.2239; // −13 dBm0: a 0 dBm0 sine peaks at 22,765, 3.17 dB below full scale (G.711)
        for (int i = 0; i < onSamples; i++)
        {
            double t = i / (double)AudioClip.SampleRate;
            double v = Math.Sin(2 * Math.PI * f1 * t) + (f2 > 0 ? Math.Sin(2 * Math.PI * f2 * t) : 0);
            s[i] = (short)Math.Clamp(v * amplitude, short.MinValue, short.MaxValue);
        }

        return new AudioClip(name, s);
    }
}
