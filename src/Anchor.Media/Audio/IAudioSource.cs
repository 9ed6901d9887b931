namespace Anchor.Media.Audio;

/// <summary>
/// What a local stream plays: 20 ms frames of 8 kHz linear audio, pulled on the media engine's thread every 20 ms.
/// Implementations read from memory and never allocate or block.
/// </summary>
public interface IAudioSource
{
    /// <summary>Fills <paramref name="frame"/> (160 samples); returns how many were written. Fewer than asked: the source has ended.</summary>
    int Read(Span<short> frame);
}
