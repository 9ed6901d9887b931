namespace Anchor.Media.Engine;

/// <summary>
/// What a <see cref="LocalStream"/> tells its owner. Called on the media engine's thread: an implementation hands the
/// event on (to its call's serial gate) and returns at once; it must never block or do I/O there.
/// </summary>
public interface ILocalStreamEvents
{
    /// <summary>A key was pressed (RFC 4733, once per key press).</summary>
    void OnDigit(LocalStream stream, char key);

    /// <summary>The source started with <see cref="LocalStream.Play"/> under <paramref name="playId"/> has played to its end.</summary>
    void OnPlaybackFinished(LocalStream stream, int playId);
}
