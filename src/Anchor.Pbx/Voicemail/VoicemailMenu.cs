using Anchor.Media.Audio;
using Anchor.Pbx.Calls;

namespace Anchor.Pbx.Voicemail;

/// <summary>
/// Listening to a mailbox, as Asterisk users know it: the PIN (three wrong and the call ends, each a failed
/// authentication for the brute-force defence), "you have N new and M saved messages", then 1 listen (new first, then
/// saved; each announced with its time and caller, and saved once heard), per message 5 repeat, 6 next, 4 previous,
/// 7 delete, 9 save, # back; 0 mailbox options: 1 record the greeting (1 accept, 2 record again), 2 change the PIN;
/// # hangs up.
/// </summary>
public sealed class VoicemailMenu
{
    private static readonly TimeSpan KeyWait = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan InterDigit = TimeSpan.FromSeconds(4);
    private readonly IPrompter _voice;
    private readonly Mailboxes _boxes;
    private readonly TimeZoneInfo _zone;

    public VoicemailMenu(IPrompter voice, Mailboxes boxes, TimeZoneInfo zone)
    {
        _voice = voice;
        _boxes = boxes;
        _zone = zone;
    }

    /// <summary>Someone logged into a mailbox (for the call's log).</summary>
    public event Action<string>? LoggedIn;

    /// <summary>
    /// Runs the menu for <paramref name="mailbox"/> (null: ask for it, <c>*98</c>). <paramref name="failedLogin"/> hears
    /// each wrong mailbox/PIN pair. Returns the mailbox logged into, or null.
    /// </summary>
    public async Task<string?> RunAsync(string? mailbox, Action<string> failedLogin)
    {
        string? box = await LogInAsync(mailbox, failedLogin);
        if (box is null)
        {
            await _voice.SayAsync("goodbye");
            return null;
        }

        LoggedIn?.Invoke(box);
        char? pending = await AnnounceCountsAsync(box); // a key during the counts is already the menu's choice
        for (int idle = 0; idle < 3;)
        {
            char? key = pending ?? await _voice.SayAsync("main-menu-voicemail") ?? await _voice.NextKeyAsync(KeyWait);
            pending = null;
            switch (key)
            {
                case '1':
                    await ListenAsync(box);
                    idle = 0;
                    break;
                case '0':
                    await OptionsAsync(box);
                    idle = 0;
                    break;
                case '#':
                    await _voice.SayAsync("goodbye");
                    return box;
                case null:
                    idle++;
                    break;
                default:
                    await _voice.SayAsync("invalid-option");
                    break;
            }
        }

        await _voice.SayAsync("goodbye");
        return box;
    }

    private async Task<string?> LogInAsync(string? mailbox, Action<string> failedLogin)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string? box = mailbox;
            if (box is null)
            {
                box = await _voice.ReadDigitsAsync(10, KeyWait, InterDigit, first: await _voice.SayAsync("enter-mailbox"));
            }

            string? pin = await _voice.ReadDigitsAsync(10, KeyWait, InterDigit, first: await _voice.SayAsync("enter-password"));
            if (box is not null && pin is not null && _boxes.CheckPin(box, pin))
            {
                return box;
            }

            failedLogin(box ?? "");
            await _voice.SayAsync("login-incorrect");
        }

        return null;
    }

    private async Task<char?> AnnounceCountsAsync(string box)
    {
        (int fresh, int saved) = _boxes.Counts(box);
        if (fresh == 0 && saved == 0)
        {
            return await _voice.SayAsync("you-have", "no-messages");
        }

        var say = new List<string> { "you-have" };
        say.AddRange(_voice.Prompts.Number(fresh));
        say.Add(fresh == 1 ? "new-message" : "new-messages");
        say.Add("and");
        say.AddRange(_voice.Prompts.Number(saved));
        say.Add(saved == 1 ? "saved-message" : "saved-messages");
        return await _voice.SayAsync([.. say]);
    }

    private async Task ListenAsync(string box)
    {
        IReadOnlyList<VoiceMessage> messages = _boxes.Messages(box); // new first, then saved
        if (messages.Count == 0)
        {
            await _voice.SayAsync("you-have", "no-messages");
            return;
        }

        var deleted = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        bool announce = true;
        while (i >= 0 && i < messages.Count)
        {
            VoiceMessage m = messages[i];
            char? key = null;
            if (announce)
            {
                key = await _voice.SayAsync(Announcement(i + 1, m)) ?? await PlayMessageAsync(m);
                _boxes.MarkSaved(m); // heard: it is no longer new (Asterisk's moveheard)
            }

            announce = true;
            key ??= await _voice.SayAsync("message-menu") ?? await _voice.NextKeyAsync(KeyWait);
            switch (key)
            {
                case '5':
                    break;
                case '6':
                    i = Next(messages, deleted, i, +1);
                    break;
                case '4':
                    i = Math.Max(0, Next(messages, deleted, i, -1));
                    break;
                case '7':
                    _boxes.Delete(m);
                    deleted.Add(m.Id);
                    await _voice.SayAsync("message-deleted");
                    i = Next(messages, deleted, i, +1);
                    break;
                case '9':
                    _boxes.MarkSaved(m);
                    await _voice.SayAsync("message-saved");
                    i = Next(messages, deleted, i, +1);
                    break;
                case '#':
                    return;
                case null:
                    return; // silence: back to the main menu
                default:
                    await _voice.SayAsync("invalid-option");
                    announce = false;
                    break;
            }
        }

        await _voice.SayAsync("you-have", "no-messages");
    }

    private async Task<char?> PlayMessageAsync(VoiceMessage m)
    {
        string file = _boxes.FileOf(m);
        return File.Exists(file) ? await _voice.PlayAsync(new ClipSource(WavFile.Read(file))) : null;
    }

    private static int Next(IReadOnlyList<VoiceMessage> messages, HashSet<string> deleted, int i, int step)
    {
        for (int j = i + step; j >= 0 && j < messages.Count; j += step)
        {
            if (!deleted.Contains(messages[j].Id))
            {
                return j;
            }
        }

        return step > 0 ? messages.Count : -1;
    }

    /// <summary>"Message 1, received Monday 9 30 A M, from 1 0 1."</summary>
    private string[] Announcement(int number, VoiceMessage m)
    {
        DateTime local = TimeZoneInfo.ConvertTime(m.Received, _zone).DateTime;
        var say = new List<string> { "message" };
        say.AddRange(_voice.Prompts.Number(number));
        say.Add("received");
        say.Add(local.DayOfWeek.ToString().ToLowerInvariant());
        int hour12 = local.Hour % 12 == 0 ? 12 : local.Hour % 12;
        say.AddRange(_voice.Prompts.Number(hour12));
        if (local.Minute is > 0 and < 10)
        {
            say.Add("oh");
        }

        if (local.Minute > 0)
        {
            say.AddRange(_voice.Prompts.Number(local.Minute));
        }

        say.Add(local.Hour < 12 ? "am" : "pm");
        if (m.Caller.Length > 0 && m.Caller.All(char.IsAsciiDigit))
        {
            say.Add("from");
            say.AddRange(_voice.Prompts.Digits(m.Caller));
        }

        return [.. say];
    }

    private async Task OptionsAsync(string box)
    {
        char? key = await _voice.SayAsync("mailbox-options") ?? await _voice.NextKeyAsync(KeyWait);
        switch (key)
        {
            case '1':
                await RecordGreetingAsync(box);
                break;
            case '2':
                string? pin = await _voice.ReadDigitsAsync(10, KeyWait, InterDigit, first: await _voice.SayAsync("enter-new-password"));
                if (pin is null || Mailboxes.WeakPin(pin, box) is not null)
                {
                    await _voice.SayAsync("invalid-option");
                    break;
                }

                _boxes.SetPin(box, pin);
                await _voice.SayAsync("password-changed");
                break;
        }
    }

    private async Task RecordGreetingAsync(string box)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            await _voice.SayAsync("record-greeting-after-tone");
            await _voice.PlayAsync(new ClipSource(Tones.Beep), bargeIn: false);
            (var recording, RecordEnd end, TimeSpan trim) = await _voice.RecordAsync(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
            if (end == RecordEnd.HungUp)
            {
                return;
            }

            var clip = new AudioClip("greeting", recording.Samples(trim));
            char? review = await _voice.PlayAsync(new ClipSource(clip)) ?? await _voice.SayAsync("greeting-review") ?? await _voice.NextKeyAsync(KeyWait);
            if (review == '1')
            {
                await _boxes.SetGreetingAsync(box, recording, trim);
                await _voice.SayAsync("message-saved");
                return;
            }

            if (review != '2')
            {
                return;
            }
        }
    }
}
