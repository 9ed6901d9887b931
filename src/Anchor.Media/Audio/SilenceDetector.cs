namespace Anchor.Media.Audio;

/// <summary>
/// Energy-based silence detection (Asterisk's `silencethreshold` idea): a frame whose mean absolute amplitude is below
/// the threshold is silent; <see cref="SilentFor"/> is how long the silence has lasted.
/// </summary>
public sealed class SilenceDetector
{
    private readonly int _threshold;
    private int _silentSamples;

    /// <param name="threshold">Mean absolute amplitude (16-bit scale) below which a frame is silence; 128 by default, about −48 dBm0.</param>
    public SilenceDetector(int threshold = 128) => _threshold = threshold;

    public TimeSpan SilentFor => TimeSpan.FromSeconds(_silentSamples / (double)AudioClip.SampleRate);

    /// <summary>Whether this frame is silent; counts toward <see cref="SilentFor"/>, which any sound resets.</summary>
    public bool Process(ReadOnlySpan<short> frame)
    {
        long sum = 0;
        foreach (short s in frame)
        {
            sum += Math.Abs((int)s);
        }

        bool silent = frame.Length == 0 || sum / frame.Length < _threshold;
        _silentSamples = silent ? _silentSamples + frame.Length : 0;
        return silent;
    }
}
