using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Anchor.Media.Engine;
using Anchor.Pbx.Model;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Voicemail;

/// <summary>
/// The office's mailboxes: messages (a WAV file each under the data folder, and a row), greetings, PINs, and the
/// counts message waiting reports. Nothing half-written survives a crash: a message's file is written whole (temporary
/// file, flushed, renamed) before its row, a row is deleted before its file, and at start files without a row (and
/// rows without a file) are cleaned. Every change raises <see cref="Changed"/> (message waiting listens).
/// </summary>
public sealed class Mailboxes
{
    private readonly VoicemailStore _store;
    private readonly SnapshotSource _config;
    private volatile IReadOnlyDictionary<string, string> _generatedPins;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <param name="root">The folder messages and greetings live in (data/voicemail).</param>
    /// <param name="generatedPins">PINs made on first start for mailboxes whose configuration gives none.</param>
    public Mailboxes(VoicemailStore store, string root, SnapshotSource config, IReadOnlyDictionary<string, string> generatedPins, TimeProvider time, ILogger log)
    {
        _store = store;
        Root = root;
        _config = config;
        _generatedPins = generatedPins;
        _time = time;
        _log = log;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    /// <summary>A mailbox's messages changed (a deposit, a delete, a message listened to).</summary>
    public event Action<string>? Changed;

    public bool Exists(string mailbox) => _config.Current.Extensions.TryGetValue(mailbox, out Extension? e) && e.Mailbox.Enabled;

    public MailboxOptions Options(string mailbox) => _config.Current.Extensions[mailbox].Mailbox;

    public IReadOnlyList<VoiceMessage> Messages(string mailbox) => _store.List(mailbox);

    public (int New, int Saved) Counts(string mailbox)
    {
        IReadOnlyList<VoiceMessage> all = _store.List(mailbox);
        int saved = all.Count(m => m.Saved);
        return (all.Count - saved, saved);
    }

    public string FileOf(VoiceMessage m) => Path.Combine(Root, m.Mailbox, m.Id + ".wav");

    public string GreetingFile(string mailbox) => Path.Combine(Root, mailbox, "greeting.wav");

    public bool HasGreeting(string mailbox) => File.Exists(GreetingFile(mailbox));

    /// <summary>Whether there is room on disk for a message of <paramref name="max"/> (16 kB a second, twice over).</summary>
    public bool HasRoomFor(TimeSpan max)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(Root)).AvailableFreeSpace > (long)(max.TotalSeconds * 16_000 * 2) + 1_000_000;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return true; // cannot tell: try, and let the write say
        }
    }

    /// <summary>Stores a recording as a new message: the file first, synced, then its row. Null (and an error in the log) when it could not be.</summary>
    public async Task<VoiceMessage?> DepositAsync(string mailbox, Recorder recording, TimeSpan trim, string caller, string? callerName)
    {
        DateTimeOffset now = _time.GetUtcNow();
        string id = now.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var message = new VoiceMessage(id, mailbox, caller, callerName, now, recording.Duration - trim, Saved: false);
        string file = FileOf(message);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await recording.WriteAsync(file, trim).ConfigureAwait(false);
            _store.Add(message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            _log.LogError(e, "Voicemail for {Mailbox} from {Caller} could not be stored; nothing was kept", mailbox, caller);
            TryDelete(file);
            return null;
        }

        _log.LogInformation("Voicemail for {Mailbox} from {Caller}: {Seconds:0.0} s stored as {Id}", mailbox, caller, message.Duration.TotalSeconds, id);
        Changed?.Invoke(mailbox);
        return message;
    }

    public void MarkSaved(VoiceMessage m)
    {
        if (!m.Saved)
        {
            _store.SetSaved(m.Id);
            Changed?.Invoke(m.Mailbox);
        }
    }

    public void Delete(VoiceMessage m)
    {
        _store.Delete(m.Id); // the row first: a crash in between leaves an orphan file, cleaned at start
        TryDelete(FileOf(m));
        _log.LogInformation("Voicemail {Id} of {Mailbox} deleted", m.Id, m.Mailbox);
        Changed?.Invoke(m.Mailbox);
    }

    public async Task<bool> SetGreetingAsync(string mailbox, Recorder recording, TimeSpan trim)
    {
        try
        {
            Directory.CreateDirectory(Path.Combine(Root, mailbox));
            await recording.WriteAsync(GreetingFile(mailbox), trim).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogError(e, "Greeting of {Mailbox} could not be stored", mailbox);
            return false;
        }
    }

    /// <summary>The generated PINs after a reload of the configuration (a mailbox added in the file gets one at once).</summary>
    public void UseGeneratedPins(IReadOnlyDictionary<string, string> pins) => _generatedPins = pins;

    /// <summary>
    /// The PIN in force: one set from the phone, unless the configuration's has changed since (then the configuration's
    /// wins again); else the configuration's; else the one generated on first start.
    /// </summary>
    public string? CurrentPin(string mailbox)
    {
        string? configured = _config.Current.Extensions.TryGetValue(mailbox, out Extension? e) ? e.Mailbox.Pin : null;
        if (_store.Pin(mailbox) is { } set && set.Configured == configured)
        {
            return set.Pin;
        }

        return configured ?? _generatedPins.GetValueOrDefault(mailbox);
    }

    public bool CheckPin(string mailbox, string pin) =>
        Exists(mailbox) && CurrentPin(mailbox) is { } current
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(current), Encoding.ASCII.GetBytes(pin));

    public void SetPin(string mailbox, string pin)
    {
        string? configured = _config.Current.Extensions.TryGetValue(mailbox, out Extension? e) ? e.Mailbox.Pin : null;
        _store.SetPin(mailbox, pin, configured);
        _log.LogInformation("The PIN of mailbox {Mailbox} was changed from the phone", mailbox);
    }

    /// <summary>Why a PIN is too weak for <paramref name="mailbox"/>, or null: 4 to 10 digits, not the number, no run or repeat.</summary>
    public static string? WeakPin(string pin, string mailbox)
    {
        if (pin.Length is < 4 or > 10 || !pin.All(char.IsAsciiDigit))
        {
            return "must be 4 to 10 digits";
        }

        if (pin == mailbox || pin == new string(mailbox.Reverse().ToArray()))
        {
            return "must not be the extension number";
        }

        if (pin.Distinct().Count() == 1)
        {
            return "must not be one digit repeated";
        }

        bool up = true, down = true;
        for (int i = 1; i < pin.Length; i++)
        {
            up &= pin[i] == pin[i - 1] + 1;
            down &= pin[i] == pin[i - 1] - 1;
        }

        return up || down ? "must not be a run of digits (1234)" : null;
    }

    /// <summary>At start: files without a row (a crash mid-deposit, a half-written temporary) and rows without a file are removed.</summary>
    public int CleanOrphans()
    {
        var rows = _store.All();
        var known = rows.Select(FileOf).ToHashSet(StringComparer.Ordinal);
        int removed = 0;
        foreach (string dir in Directory.EnumerateDirectories(Root))
        {
            foreach (string file in Directory.EnumerateFiles(dir))
            {
                string name = Path.GetFileName(file);
                if (name == "greeting.wav" || known.Contains(file))
                {
                    continue;
                }

                TryDelete(file);
                removed++;
            }
        }

        foreach (VoiceMessage m in rows.Where(m => !File.Exists(FileOf(m))))
        {
            _store.Delete(m.Id);
            removed++;
        }

        if (removed > 0)
        {
            _log.LogWarning("Voicemail: {Count} leftovers of an interrupted deposit or delete cleaned", removed);
        }

        return removed;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or not ours to remove: the next start cleans what is left.
        }
    }
}
