namespace Anchor.Media.Audio;

/// <summary>
/// Sources played one after another (a prompt, digits, a prompt), optionally looped (music on hold over several
/// files). The last frame of one part and the first of the next share a frame, so there is no gap between them.
/// </summary>
public sealed class PlaylistSource : IAudioSource
{
    private readonly IReadOnlyList<Func<IAudioSource>> _parts;
    private readonly bool _loop;
    private int _index = -1;
    private IAudioSource? _current;

    /// <param name="parts">Each part made afresh when its turn comes (a looped playlist replays them).</param>
    public PlaylistSource(IReadOnlyList<Func<IAudioSource>> parts, bool loop = false)
    {
        _parts = parts;
        _loop = loop;
    }

    public static PlaylistSource Of(IEnumerable<AudioClip> clips, bool loop = false) =>
        new(clips.Select(c => (Func<IAudioSource>)(() => new ClipSource(c))).ToArray(), loop);

    public int Read(Span<short> frame)
    {
        int written = 0;
        int emptyParts = 0;
        while (written < frame.Length)
        {
            if (_current is null)
            {
                if (_parts.Count == 0 || emptyParts > _parts.Count)
                {
                    break; // nothing to play (or every part is empty): end rather than spin
                }

                _index++;
                if (_index >= _parts.Count)
                {
                    if (!_loop)
                    {
                        break;
                    }

                    _index = 0;
                }

                _current = _parts[_index]();
            }

            int n = _current.Read(frame[written..]);
            written += n;
            if (written < frame.Length)
            {
                emptyParts = n == 0 ? emptyParts + 1 : 0;
                _current = null;
            }
        }

        return written;
    }
}
