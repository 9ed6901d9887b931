namespace Anchor.Media.Audio;

/// <summary>
/// The spoken prompts, loaded once from a folder of WAV files named by what they say (<c>goodbye.wav</c>,
/// <c>n-7.wav</c>): the shipped English set in <c>prompts/en</c>, or the admin's own (<c>Media:Prompts</c>, another
/// language or a recorded voice). Every prompt the features use must be there: a missing or unreadable file stops
/// start-up naming it, rather than a caller hearing silence months later.
/// </summary>
public sealed class PromptLibrary
{
    /// <summary>The prompts Anchor's features play (the shipped set has each; another set must too).</summary>
    public static readonly IReadOnlyList<string> Required =
    [
        .. Enumerable.Range(0, 20).Select(n => $"n-{n}"),
        .. Enumerable.Range(2, 8).Select(n => $"n-{n * 10}"),
        "n-100",
        "echo-test", "goodbye", "invalid-option", "transferring", "parked-on", "please-leave-message", "person-at-extension",
        "is-not-available", "you-have", "new-message", "new-messages", "saved-message", "saved-messages", "and", "no-messages",
        "enter-password", "enter-mailbox", "login-incorrect", "thank-you-for-calling", "press", "for", "to-reach-the-operator",
        "please-hold", "feature-on", "feature-off", "extension", "message", "from", "received", "main-menu-voicemail",
        "message-menu", "message-deleted", "message-saved", "mailbox-options", "record-greeting-after-tone", "greeting-review",
        "enter-new-password", "password-changed", "day-mode", "night-mode", "not-available-try-later",
        "voicemail", "the-main-menu", "dial-the-extension", "enter-extension", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "am", "pm", "oh", "mailbox-full",
    ];

    private readonly Dictionary<string, AudioClip> _clips;

    private PromptLibrary(string folder, Dictionary<string, AudioClip> clips)
    {
        Folder = folder;
        _clips = clips;
    }

    public string Folder { get; }

    public int Count => _clips.Count;

    /// <summary>Loads every WAV in <paramref name="folder"/>; throws naming the first required prompt that is missing or unreadable.</summary>
    public static PromptLibrary Load(string folder, IEnumerable<string>? required = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new FileNotFoundException($"prompt folder {folder} does not exist", folder);
        }

        var clips = new Dictionary<string, AudioClip>(StringComparer.OrdinalIgnoreCase);
        foreach (string file in Directory.EnumerateFiles(folder, "*.wav"))
        {
            clips[Path.GetFileNameWithoutExtension(file)] = WavFile.Read(file); // an unreadable file names itself
        }

        foreach (string name in required ?? Required)
        {
            if (!clips.ContainsKey(name))
            {
                throw new FileNotFoundException($"prompt {Path.Combine(folder, name + ".wav")} is missing", Path.Combine(folder, name + ".wav"));
            }
        }

        return new PromptLibrary(folder, clips);
    }

    public AudioClip this[string name] => _clips.TryGetValue(name, out AudioClip? c) ? c : throw new KeyNotFoundException($"no prompt {name}");

    public bool TryGet(string name, out AudioClip? clip) => _clips.TryGetValue(name, out clip);

    /// <summary>Prompts one after another.</summary>
    public IAudioSource Say(params string[] names) => PlaylistSource.Of(names.Select(n => this[n]));

    /// <summary>Each digit of <paramref name="digits"/> spoken ("seven zero one").</summary>
    public IEnumerable<string> Digits(string digits) => digits.Where(char.IsAsciiDigit).Select(d => $"n-{d}");

    /// <summary>A count as words, 0–999 ("twenty three"): for message counts.</summary>
    public IEnumerable<string> Number(int n)
    {
        n = Math.Clamp(n, 0, 999);
        if (n >= 100)
        {
            yield return $"n-{n / 100}";
            yield return "n-100";
            n %= 100;
            if (n == 0)
            {
                yield break;
            }
        }

        if (n < 20)
        {
            yield return $"n-{n}";
            yield break;
        }

        yield return $"n-{n / 10 * 10}";
        if (n % 10 != 0)
        {
            yield return $"n-{n % 10}";
        }
    }
}
