using Anchor.Media.Audio;
using Anchor.Media.Engine;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Model;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Voicemail;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Anchor.Pbx.Tests.Voicemail;

/// <summary>
/// The voicemail state machines with a scripted caller (what it says is recorded, what it presses is queued) on a real
/// SQLite store and real files: deposit, login, listen/delete/save, PIN change, crash leftovers, the message summary.
/// </summary>
public sealed class VoicemailTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-vm-").FullName;
    private readonly VoicemailStore _store;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 5, 0, TimeSpan.Zero)); // a Tuesday
    private readonly SnapshotSource _config;
    private readonly List<string> _changed = [];

    public VoicemailTests()
    {
        _store = new VoicemailStore($"Data Source={Path.Combine(_dir, "anchor.db")}");
        _config = Config("2580");
        Boxes = new Mailboxes(_store, Path.Combine(_dir, "voicemail"), _config, new Dictionary<string, string> { ["101"] = "730184" }, _clock,
            NullLogger.Instance);
        Boxes.Changed += _changed.Add;
    }

    private Mailboxes Boxes { get; }

    private static SnapshotSource Config(string? pin102) => new(new PbxSnapshot(
        [new Extension("101", "password-101", null), new Extension("102", "password-102", null) { Mailbox = new MailboxOptions { Pin = pin102 } }],
        new DialPlan([]), [], new FeatureCodes()));

    internal static PromptLibrary Prompts { get; } = PromptLibrary.Load(Path.Combine(FindRepo(), "prompts", "en"));

    private static string FindRepo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, "prompts", "en")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("prompts/en");
    }

    /// <summary>A caller that hears prompt names and answers each key or digits request with the next queued input (null: silence).</summary>
    private sealed class ScriptedCaller(params string?[] inputs) : IPrompter
    {
        private readonly Queue<string?> _inputs = new(inputs);

        public PromptLibrary Prompts => VoicemailTests.Prompts;

        public List<string> Said { get; } = [];

        public char? BargeIn { get; set; }

        public (short[] Samples, RecordEnd End) Recording { get; set; } = ([], RecordEnd.HungUp);

        public Task<char?> PlayAsync(IAudioSource source, bool bargeIn = true)
        {
            Said.Add("(audio)");
            return Task.FromResult<char?>(null);
        }

        public Task<char?> SayAsync(params string[] prompts)
        {
            Said.AddRange(prompts);
            char? key = BargeIn;
            BargeIn = null;
            return Task.FromResult(key);
        }

        public Task<char?> NextKeyAsync(TimeSpan timeout) =>
            Task.FromResult(_inputs.Count > 0 && _inputs.Dequeue() is { Length: > 0 } s ? s[0] : (char?)null);

        public Task<string?> ReadDigitsAsync(int max, TimeSpan firstTimeout, TimeSpan interDigit, char terminator = '#', char? first = null) =>
            Task.FromResult(_inputs.Count > 0 ? _inputs.Dequeue() : null);

        public Task<(Recorder Recording, RecordEnd End, TimeSpan Trim)> RecordAsync(TimeSpan max, TimeSpan silence, char stopKey = '#')
        {
            var r = new Recorder(max);
            for (int i = 0; i + 160 <= Recording.Samples.Length; i += 160)
            {
                r.OnFrame(Recording.Samples.AsSpan(i, 160));
            }

            return Task.FromResult((r, Recording.End, TimeSpan.Zero));
        }

        public void FlushKeys()
        {
        }
    }

    private static short[] Tone(double seconds) =>
        Enumerable.Range(0, (int)(seconds * 8000)).Select(i => (short)(8000 * Math.Sin(2 * Math.PI * 1000 * i / 8000))).ToArray();

    private async Task<DepositResult> DepositAsync(double seconds, RecordEnd end = RecordEnd.HungUp, char? bargeIn = null, bool op = false)
    {
        var caller = new ScriptedCaller { Recording = (Tone(seconds), end), BargeIn = bargeIn };
        return await VoicemailDeposit.RunAsync(caller, Boxes, "102", "101", "Alice", op, NullLogger.Instance);
    }

    [Fact]
    public async Task A_deposit_writes_the_file_then_the_row_and_says_so()
    {
        var caller = new ScriptedCaller { Recording = (Tone(3), RecordEnd.Key) };
        Assert.Equal(DepositResult.Stored, await VoicemailDeposit.RunAsync(caller, Boxes, "102", "101", "Alice", false, NullLogger.Instance));
        Assert.Equal(["person-at-extension", "n-1", "n-0", "n-2", "is-not-available", "please-leave-message", "(audio)", "message-saved", "goodbye"], caller.Said);
        VoiceMessage m = Assert.Single(Boxes.Messages("102"));
        Assert.Equal(("101", "Alice", false), (m.Caller, m.CallerName, m.Saved));
        Assert.Equal(3, m.Duration.TotalSeconds, 2);
        AudioClip clip = WavFile.Read(Boxes.FileOf(m));
        Assert.Equal(24000, clip.Samples.Length);
        Assert.Equal(["102"], _changed);
        Assert.Equal((1, 0), Boxes.Counts("102"));
    }

    [Fact]
    public async Task Short_messages_are_dropped_and_zero_goes_to_the_operator()
    {
        Assert.Equal(DepositResult.HungUpEarly, await DepositAsync(0.5));
        Assert.Equal(DepositResult.TooShort, await DepositAsync(0.5, RecordEnd.Key));
        Assert.Equal(DepositResult.ToOperator, await DepositAsync(3, bargeIn: '0', op: true));
        Assert.Equal(DepositResult.Stored, await DepositAsync(3, bargeIn: '0', op: false)); // no operator: 0 just skips the greeting
        Assert.Single(Boxes.Messages("102"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "voicemail", "102"), "*.partial"));
    }

    [Fact]
    public async Task Three_wrong_pins_fail_each_reported()
    {
        var failed = new List<string>();
        var caller = new ScriptedCaller("1111", "2222", "3333");
        Assert.Null(await new VoicemailMenu(caller, Boxes, TimeZoneInfo.Utc).RunAsync("102", failed.Add));
        Assert.Equal(["102", "102", "102"], failed);
        Assert.Equal(3, caller.Said.Count(s => s == "login-incorrect"));
        Assert.Equal("goodbye", caller.Said[^1]);
    }

    [Fact]
    public async Task Listen_announces_plays_and_delete_removes_row_and_file()
    {
        Assert.Equal(DepositResult.Stored, await DepositAsync(2));
        string file = Boxes.FileOf(Boxes.Messages("102")[0]);
        _changed.Clear();

        // PIN, 1 (listen: announcement, message, menu), 7 (delete), then # hangs up.
        var caller = new ScriptedCaller("2580", "1", "7", "#");
        Assert.Equal("102", await new VoicemailMenu(caller, Boxes, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")).RunAsync("102", _ => { }));
        string said = string.Join(" ", caller.Said);
        Assert.Contains("you-have n-1 new-message and n-0 saved-messages", said, StringComparison.Ordinal);
        // Received 04:05 in New York on Tuesday: "tuesday 4 oh 5 am", from 1 0 1.
        Assert.Contains("message n-1 received tuesday n-4 oh n-5 am from n-1 n-0 n-1 (audio)", said, StringComparison.Ordinal);
        Assert.Contains("message-deleted", said, StringComparison.Ordinal);
        Assert.Empty(Boxes.Messages("102"));
        Assert.False(File.Exists(file));
        Assert.Equal(["102", "102"], _changed); // heard (saved), then deleted
    }

    [Fact]
    public async Task Pin_change_refuses_weak_ones_and_the_configuration_wins_when_it_changes()
    {
        var caller = new ScriptedCaller("2580", "0", "2", "1234", "0", "2", "4862", "#");
        Assert.Equal("102", await new VoicemailMenu(caller, Boxes, TimeZoneInfo.Utc).RunAsync("102", _ => { }));
        Assert.Contains("password-changed", caller.Said);
        Assert.True(Boxes.CheckPin("102", "4862"));
        Assert.False(Boxes.CheckPin("102", "2580"));

        // The admin sets a new PIN in the configuration: it wins over the one set from the phone.
        var boxes = new Mailboxes(_store, Path.Combine(_dir, "voicemail"), Config("9137"), new Dictionary<string, string>(), _clock, NullLogger.Instance);
        Assert.True(boxes.CheckPin("102", "9137"));
        Assert.False(boxes.CheckPin("102", "4862"));

        // A mailbox without a configured PIN uses the generated one.
        Assert.True(Boxes.CheckPin("101", "730184"));
        Assert.False(Boxes.CheckPin("103", "730184")); // no such mailbox
    }

    [Fact]
    public async Task Leftovers_of_a_crash_are_cleaned_at_start()
    {
        Assert.Equal(DepositResult.Stored, await DepositAsync(2));
        VoiceMessage kept = Boxes.Messages("102")[0];
        string folder = Path.Combine(_dir, "voicemail", "102");
        File.WriteAllBytes(Path.Combine(folder, "x.wav.partial"), [1, 2, 3]); // a write cut short
        File.WriteAllBytes(Path.Combine(folder, "20261201000000000-dead.wav"), [1, 2, 3]); // a file whose row never came
        _store.Add(kept with { Id = "20261201000000001-gone" }); // a row whose file was deleted
        Assert.Equal(3, Boxes.CleanOrphans());
        Assert.Equal([kept.Id], Boxes.Messages("102").Select(m => m.Id));
        Assert.Equal([Boxes.FileOf(kept)], Directory.GetFiles(folder));
    }

    [Theory]
    [InlineData("123", "4 to 10 digits")]
    [InlineData("12345678901", "4 to 10 digits")]
    [InlineData("12a4", "4 to 10 digits")]
    [InlineData("102", "4 to 10 digits")]
    [InlineData("1234", "run")]
    [InlineData("9876", "run")]
    [InlineData("0000", "repeated")]
    [InlineData("1020", null)]
    [InlineData("2580", null)]
    public void Weak_pins(string pin, string? why)
    {
        string? reason = Mailboxes.WeakPin(pin, "102");
        if (why is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(why, reason, StringComparison.Ordinal);
        }

        Assert.NotNull(Mailboxes.WeakPin("4102", "4102")); // the extension number itself
    }

    [Fact]
    public void The_message_summary_body_is_rfc_3842()
    {
        Assert.Equal("Messages-Waiting: yes\r\nMessage-Account: sip:*97@pbx.test\r\nVoice-Message: 2/1 (0/0)\r\n", MessageWaiting.Body(2, 1, "sip:*97@pbx.test"));
        Assert.StartsWith("Messages-Waiting: no\r\n", MessageWaiting.Body(0, 5, "sip:*97@pbx.test"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
