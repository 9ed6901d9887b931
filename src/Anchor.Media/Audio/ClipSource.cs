namespace Anchor.Media.Audio;

/// <summary>Plays a clip once, or in a loop (music on hold, ring-back cadences).</summary>
public sealed class ClipSource : IAudioSource
{
    private readonly AudioClip _clip;
    private readonly bool _loop;
    private int _position;

    public ClipSource(AudioClip clip, bool loop = false)
    {
        _clip = clip;
        _loop = loop;
    }

    public int Read(Span<short> frame)
    {
        short[] s = _clip.Samples;
        int written = 0;
        while (written < frame.Length)
        {
            if (_position >= s.Length)
            {
                if (!_loop || s.Length == 0)
                {
                    break;
                }

                _position = 0;
            }

            int n = Math.Min(frame.Length - written, s.Length - _position);
            s.AsSpan(_position, n).CopyTo(frame[written..]);
            _position += n;
            written += n;
        }

        return written;
    }
}
