using Anchor.Media.Audio;

namespace Anchor.Configuration;

/// <summary>
/// The prompts and the music on hold, loaded once before anything starts (Media:Prompts, Media:MusicOnHold): a missing
/// or unreadable file is a start-up error naming the key and the file, not silence for a caller later.
/// </summary>
public static class MediaAssets
{
    public static string DefaultPrompts => Path.Combine(AppContext.BaseDirectory, "prompts", "en");

    public static string DefaultMusic => Path.Combine(AppContext.BaseDirectory, "prompts", "moh");

    public static (PromptLibrary? Prompts, MusicOnHold? Music, List<string> Errors) Load(MediaSettings media)
    {
        var errors = new List<string>();
        PromptLibrary? prompts = null;
        MusicOnHold? music = null;
        try
        {
            prompts = PromptLibrary.Load(media.Prompts ?? DefaultPrompts);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            errors.Add($"Media:Prompts: {e.Message}");
        }

        try
        {
            music = MusicOnHold.Load(media.MusicOnHold.Count > 0 ? media.MusicOnHold : [DefaultMusic]);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            errors.Add($"Media:MusicOnHold: {e.Message}");
        }

        return (prompts, music, errors);
    }
}

/// <summary>What <see cref="MediaAssets.Load"/> loaded, handed to the SIP server.</summary>
public sealed record MediaAssetSet(PromptLibrary Prompts, MusicOnHold Music);
