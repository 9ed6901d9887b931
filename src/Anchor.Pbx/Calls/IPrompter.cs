using Anchor.Media.Audio;
using Anchor.Media.Engine;

namespace Anchor.Pbx.Calls;

/// <summary>
/// What a voice menu needs from a call (<see cref="Voice"/> is the real one; tests give a scripted one): prompts with
/// barge-in, keys, digits up to a terminator, and recordings.
/// </summary>
public interface IPrompter
{
    PromptLibrary Prompts { get; }

    Task<char?> PlayAsync(IAudioSource source, bool bargeIn = true);

    Task<char?> SayAsync(params string[] prompts);

    Task<char?> NextKeyAsync(TimeSpan timeout);

    Task<string?> ReadDigitsAsync(int max, TimeSpan firstTimeout, TimeSpan interDigit, char terminator = '#', char? first = null);

    Task<(Recorder Recording, RecordEnd End, TimeSpan Trim)> RecordAsync(TimeSpan max, TimeSpan silence, char stopKey = '#');

    void FlushKeys();
}
