namespace Anchor.Media.Audio;

/// <summary>A piece of audio held in memory: 16-bit linear samples at 8 kHz mono, the engine's one internal format.</summary>
public sealed class AudioClip
{
    public const int SampleRate = 8000;

    /// <summary>Samples per 20 ms RTP frame at 8 kHz.</summary>
    public const int FrameSamples = 160;

    public AudioClip(string name, short[] samples)
    {
        Name = name;
        Samples = samples;
    }

    public string Name { get; }

    public short[] Samples { get; }

    public TimeSpan Duration => TimeSpan.FromSeconds(Samples.Length / (double)SampleRate);

    public static AudioClip Concat(string name, params AudioClip[] parts)
    {
        var all = new short[parts.Sum(p => p.Samples.Length)];
        int at = 0;
        foreach (AudioClip p in parts)
        {
            p.Samples.CopyTo(all, at);
            at += p.Samples.Length;
        }

        return new AudioClip(name, all);
    }
}
