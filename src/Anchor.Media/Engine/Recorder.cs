using Anchor.Media.Audio;

namespace Anchor.Media.Engine;

/// <summary>
/// What a <see cref="LocalStream"/> hears, kept for a recording: 8 kHz linear frames (put in order and concealed by
/// the stream's jitter buffer) gathered in memory in one-second chunks, with silence measured as they come. Nothing is
/// written while recording: <see cref="WriteAsync"/> writes the WAV file whole (temporary file, flushed to disk,
/// renamed), so a crash leaves the whole recording or none. Frames arrive on the engine thread; the rest is the owner's.
/// </summary>
public sealed class Recorder
{
    private readonly List<short[]> _chunks = [];
    private readonly SilenceDetector _silence;
    private readonly int _maxSamples;
    private short[] _current = new short[AudioClip.SampleRate];
    private int _used;
    private volatile int _samples;
    private volatile bool _full;

    public Recorder(TimeSpan maxDuration, int silenceThreshold = 128)
    {
        _maxSamples = (int)Math.Min(int.MaxValue, maxDuration.TotalSeconds * AudioClip.SampleRate);
        _silence = new SilenceDetector(silenceThreshold);
    }

    public TimeSpan Duration => TimeSpan.FromSeconds(_samples / (double)AudioClip.SampleRate);

    /// <summary>How long the caller has been silent up to now.</summary>
    public TimeSpan SilentFor { get; private set; }

    /// <summary>The maximum duration has been reached: later frames are not kept.</summary>
    public bool Full => _full;

    /// <summary>Engine thread: one frame heard.</summary>
    internal void OnFrame(ReadOnlySpan<short> frame)
    {
        _silence.Process(frame);
        SilentFor = _silence.SilentFor;
        int room = _maxSamples - _samples;
        if (room <= 0)
        {
            _full = true;
            return;
        }

        frame = frame[..Math.Min(frame.Length, room)];
        while (!frame.IsEmpty)
        {
            if (_used == _current.Length)
            {
                _chunks.Add(_current);
                _current = new short[AudioClip.SampleRate]; // one allocation per second of recording
                _used = 0;
            }

            int n = Math.Min(frame.Length, _current.Length - _used);
            frame[..n].CopyTo(_current.AsSpan(_used));
            _used += n;
            frame = frame[n..];
            _samples += n;
        }
    }

    /// <summary>The samples recorded, leaving off the last <paramref name="trim"/> (the silence or the # that ended it).</summary>
    public short[] Samples(TimeSpan trim = default)
    {
        int keep = Math.Max(0, _samples - (int)(trim.TotalSeconds * AudioClip.SampleRate));
        var all = new short[keep];
        int at = 0;
        foreach (short[] c in _chunks.Append(_current))
        {
            int n = Math.Min(c == _current ? _used : c.Length, keep - at);
            if (n <= 0)
            {
                break;
            }

            c.AsSpan(0, n).CopyTo(all.AsSpan(at));
            at += n;
        }

        return all;
    }

    /// <summary>Writes the recording to <paramref name="path"/> atomically; call once recording has stopped.</summary>
    public async Task WriteAsync(string path, TimeSpan trim = default, CancellationToken cancellationToken = default)
    {
        byte[] wav = WavFile.Build(Samples(trim));
        string temp = path + ".partial";
        await using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 65536, useAsync: true))
        {
            await f.WriteAsync(wav, cancellationToken).ConfigureAwait(false);
            f.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
