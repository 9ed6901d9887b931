namespace Anchor.Media.Audio;

/// <summary>
/// Music on hold: the shipped track, or the admin's own WAV files (<c>Media:MusicOnHold</c>, a folder or a list of
/// files) played in turn and looped. Loaded once; each held party gets its own playback from the start.
/// </summary>
public sealed class MusicOnHold
{
    private readonly IReadOnlyList<AudioClip> _tracks;

    public MusicOnHold(IReadOnlyList<AudioClip> tracks)
    {
        if (tracks.Count == 0 || tracks.All(t => t.Samples.Length == 0))
        {
            throw new ArgumentException("music on hold needs at least one track with sound in it", nameof(tracks));
        }

        _tracks = tracks;
    }

    public IReadOnlyList<AudioClip> Tracks => _tracks;

    /// <summary>Loads <paramref name="paths"/> (files, or folders whose WAV files are played in name order).</summary>
    public static MusicOnHold Load(IEnumerable<string> paths)
    {
        var tracks = new List<AudioClip>();
        foreach (string p in paths)
        {
            if (Directory.Exists(p))
            {
                tracks.AddRange(Directory.EnumerateFiles(p, "*.wav").Order(StringComparer.Ordinal).Select(WavFile.Read));
            }
            else if (File.Exists(p))
            {
                tracks.Add(WavFile.Read(p));
            }
            else
            {
                throw new FileNotFoundException($"music on hold {p} does not exist", p);
            }
        }

        return new MusicOnHold(tracks);
    }

    /// <summary>A new playback: every track in turn, looped, for as long as the hold lasts.</summary>
    public IAudioSource Play() => PlaylistSource.Of(_tracks, loop: true);
}
