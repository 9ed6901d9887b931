using System.Globalization;

namespace Anchor.Functional.Tests;

/// <summary>
/// Voicemail end to end with real peers: SIPp phones ring, refuse or are absent; the caller (SIPp's signalling, the
/// test's own RTP) hears the greeting and the beep, leaves a 1 kHz tone; the owner's phone gets message-waiting
/// NOTIFYs; *97 with the PIN plays the tone back (measured by Goertzel); 7 deletes it. Restarts and kill -9 lose nothing
/// and leave nothing half-written.
/// </summary>
public class VoicemailTests
{
    internal const string Pin102 = "2580";

    internal static Task<PbxHost> StartAsync(Action<Dictionary<string, object?>>? more = null)
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        // No keep-alive OPTIONS during a test: the phones' ports are SIPp scenarios waiting for one NOTIFY.
        return PbxHost.StartAsync(keepAliveSeconds: 3600, configure: c =>
        {
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Trunk" };
            c["Extensions"] = PbxHost.Passwords.Select(p => new
            {
                Number = p.Key,
                Password = p.Value,
                Name = "Ext " + p.Key,
                Voicemail = new { Enabled = true, Pin = p.Key == "102" ? Pin102 : null, NoAnswerSeconds = 5, MaxMessageSeconds = 60 },
            }).ToArray();
            more?.Invoke(c);
        });
    }

    /// <summary>Waits at a phone's port for one NOTIFY whose body says <paramref name="waiting"/> and <paramref name="counts"/> (a regex).</summary>
    internal static Task<Sipp.Result> LampAsync(int phonePort, string waiting, string counts, int notifies = 1, string? work = null) =>
        Sipp.RunAsync(Sipp.Specialise("uas-notify.xml", ("WAITING", waiting), ("COUNTS", counts)), 5060, "u1", notifies, 10, 40, "127.0.0.1", phonePort,
            ["-trace_logs"], work);

    /// <summary>101 calls 102, who rings and is CANCELed at NoAnswerSeconds; the caller leaves a 3 s tone of 1 kHz.</summary>
    private static async Task LeaveMessageTo102Async(PbxHost pbx, VoiceCall caller)
    {
        Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(20)), "no answer from voicemail\n" + pbx.Output);
        TimeSpan? beepEnd = await caller.HearToneAsync(1000, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20));
        Assert.True(beepEnd is not null, "no beep\n" + pbx.Output);
        short[] greeting = Audio.Decode(caller.Media.Packets.Where(p => p.PayloadType == 0 && p.At < beepEnd.Value - TimeSpan.FromMilliseconds(600)));
        Assert.True(greeting.Length >= 8000 * 2, $"only {greeting.Length / 8000.0:0.0} s of greeting before the beep");
        Assert.True(Audio.Level(greeting) > 300, $"the greeting is silence (level {Audio.Level(greeting):0})");
        await caller.SendToneAsync(1000, TimeSpan.FromSeconds(3));
        await Task.Delay(500);
        Sipp.Result r = await caller.HangUpAsync();
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
    }

    [Fact]
    public async Task Unanswered_call_is_recorded_lights_the_lamp_and_is_played_back_and_deleted_with_the_pin()
    {
        await using PbxHost pbx = await StartAsync();
        int phone102 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", phone102)).ExitCode);
        Task<Sipp.Result> ringing = PbxHost.CalleeAsync("uas-ring-cancelled.xml", phone102);
        await Task.Delay(300);

        await using (VoiceCall caller = await VoiceCall.FromExtensionAsync(pbx, "101", "102"))
        {
            Task<Sipp.Result>? lamp = null;
            Task answered = caller.AnsweredAsync(TimeSpan.FromSeconds(20));
            Sipp.Result rang = await ringing; // CANCELed after NoAnswerSeconds: the phone's port is free for the NOTIFY
            Assert.True(rang.ExitCode == 0, "102: " + rang.Output + pbx.Output);
            lamp = LampAsync(phone102, "yes", "1/0");
            await answered;
            await LeaveMessageTo102Async(pbx, caller);
            await pbx.AssertLogAsync("102 missed the call (no answer): Voicemail");
            await pbx.AssertLogAsync("Voicemail for 102 from 101:");
            Sipp.Result lit = await lamp;
            Assert.True(lit.ExitCode == 0, "NOTIFY 1/0: " + lit.Output + pbx.Output);
        }

        string[] files = Directory.GetFiles(Path.Combine(pbx.Directory, "voicemail", "102"), "*.wav");
        Assert.Single(files);

        // 102 listens: *97, its PIN, 1 plays the message (announcement, then the tone), 7 deletes it.
        string notifyLog = Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        Task<Sipp.Result> unlit = LampAsync(phone102, "no", "0/[01]", notifies: 2, work: notifyLog);
        await using VoiceCall owner = await VoiceCall.FromExtensionAsync(pbx, "102", "*97");
        Assert.True(await owner.AnsweredAsync(TimeSpan.FromSeconds(10)), pbx.Output);
        await Task.Delay(800);
        await owner.KeysAsync(Pin102 + "#");
        await pbx.AssertLogAsync("voicemail 102: logged in");
        await Task.Delay(1500);
        TimeSpan pressed = owner.Media.Now;
        await owner.KeysAsync("1");
        TimeSpan? played = await owner.HearToneAsync(1000, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(25), since: pressed);
        Assert.True(played is not null, "the 1 kHz tone was not played back\n" + pbx.Output);
        await owner.KeysAsync("7");
        await pbx.AssertLogAsync("of 102 deleted");
        Sipp.Result off = await unlit;
        Assert.True(off.ExitCode == 0, "NOTIFY 0/0: " + off.Output + pbx.Output);
        Assert.Contains(Directory.GetFiles(notifyLog, "*_logs.log").SelectMany(File.ReadAllLines), l => l.Contains("Voice-Message: 0/0", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(pbx.Directory, "voicemail", "102"), "*.wav"));
        Assert.Equal(0, (await owner.HangUpAsync()).ExitCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the voicemail rows in a real PostgreSQL server (Storage:Provider = Postgres), the audio in the data folder
    public async Task A_busy_phone_and_an_absent_one_send_the_caller_to_voicemail(bool postgres)
    {
        await using PostgresServer? pg = postgres ? await PostgresServer.StartAsync() : null;
        string data = Directory.CreateTempSubdirectory("anchor-data-").FullName;
        await using PbxHost pbx = await StartAsync(c =>
        {
            if (pg is not null)
            {
                c["Storage"] = new { Provider = "Postgres", pg.ConnectionString, DataDirectory = data };
            }
        });
        int phone102 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", phone102)).ExitCode);
        Task<Sipp.Result> busy = PbxHost.CalleeAsync("uas-busy.xml", phone102);
        await Task.Delay(300);
        await using (VoiceCall caller = await VoiceCall.FromExtensionAsync(pbx, "101", "102"))
        {
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(4)), "busy: no voicemail at once\n" + pbx.Output);
            Assert.Equal(0, (await busy).ExitCode);
            Assert.True(await caller.HearToneAsync(1000, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20)) is not null, pbx.Output);
            await caller.HangUpAsync();
        }

        await pbx.AssertLogAsync("102 missed the call (486 from every contact): Voicemail");

        // 103 has no phone registered: straight to its mailbox.
        await using VoiceCall absent = await VoiceCall.FromExtensionAsync(pbx, "101", "103");
        Assert.True(await absent.AnsweredAsync(TimeSpan.FromSeconds(4)), pbx.Output);
        Assert.True(await absent.HearToneAsync(1000, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20)) is not null, pbx.Output);
        await absent.SendToneAsync(1000, TimeSpan.FromSeconds(2));
        await absent.HangUpAsync();
        await pbx.AssertLogAsync("Voicemail for 103 from 101:");

        // The admin API: the message listed, its audio downloaded (a WAV of the tone), then deleted.
        using AdminClient admin = await pbx.AdminAsync();
        System.Text.Json.JsonElement message = Assert.Single((await admin.GetAsync("/api/voicemail/103")).Json.EnumerateArray());
        Assert.Equal("101", message.GetProperty("caller").GetString());
        byte[] wav = await admin.Http.GetByteArrayAsync(message.GetProperty("audio").GetString());
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.True(wav.Length > 8000 * 2 * 1, $"{wav.Length} bytes of WAV for a 2 s message");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.Http.GetAsync("/api/voicemail/103/..%2F..%2Fsecrets.json.wav")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await admin.Http.DeleteAsync($"/api/voicemail/103/{message.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(0, (await admin.GetAsync("/api/voicemail/103")).Json.GetArrayLength());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.Http.GetAsync("/api/voicemail/999")).StatusCode);
    }

    [Fact]
    public async Task Messages_and_the_lamp_survive_a_restart_and_kill_9_leaves_whole_messages_or_none()
    {
        await using PbxHost pbx = await StartAsync();

        // 102 is away: a message straight to its mailbox.
        await using (VoiceCall caller = await VoiceCall.FromExtensionAsync(pbx, "101", "102"))
        {
            await LeaveMessageTo102Async(pbx, caller);
        }

        await pbx.AssertLogAsync("Voicemail for 102 from 101:");

        // Its phone registers: it hears about the message at once, although it never subscribed.
        int phone102 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", phone102)).ExitCode);
        Sipp.Result lit = await LampAsync(phone102, "yes", "1/0");
        Assert.True(lit.ExitCode == 0, "NOTIFY on registration: " + lit.Output + pbx.Output);

        // A clean restart: the message is still there and the phone hears so again.
        Task<Sipp.Result> again = LampAsync(phone102, "yes", "1/0");
        await Task.Delay(300);
        await pbx.RestartAsync();
        Sipp.Result relit = await again;
        Assert.True(relit.ExitCode == 0, "NOTIFY after restart: " + relit.Output + pbx.Output);

        // kill -9 in the middle of a recording: after the restart there is the old message, whole, and nothing else.
        await using (VoiceCall caller = await VoiceCall.FromExtensionAsync(pbx, "101", "103", timeoutSeconds: 30))
        {
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), pbx.Output);
            Assert.True(await caller.HearToneAsync(1000, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20)) is not null, pbx.Output);
            Task tone = caller.SendToneAsync(1000, TimeSpan.FromSeconds(3));
            await Task.Delay(1500);
            await pbx.KillAndRestartAsync();
            await tone;
        }

        string root = Path.Combine(pbx.Directory, "voicemail");
        string[] left = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        Assert.True(left.Length == 1 && left[0].StartsWith(Path.Combine(root, "102"), StringComparison.Ordinal) && left[0].EndsWith(".wav", StringComparison.Ordinal),
            "left in voicemail/: " + string.Join(", ", left));
        Assert.True(new FileInfo(left[0]).Length > 8000 * 2 * 2, "the old message is whole");
    }

    [Fact]
    public async Task Three_wrong_pins_hang_up_and_count_as_failed_authentications()
    {
        await using PbxHost pbx = await StartAsync();
        await using VoiceCall owner = await VoiceCall.FromExtensionAsync(pbx, "102", "*97");
        Assert.True(await owner.AnsweredAsync(TimeSpan.FromSeconds(10)), pbx.Output);
        foreach (string wrong in new[] { "1111", "2222", "3333" })
        {
            await Task.Delay(1200);
            await owner.KeysAsync(wrong + "#");
            await Task.Delay(1500);
        }

        Sipp.Result r = await owner.Completion; // Anchor says goodbye and hangs up
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
        Assert.Equal(3, PbxHostText.Count(pbx.Output, "wrong PIN for mailbox 102"));
        await pbx.AssertLogAsync("voicemail: login failed");
    }
}

internal static class PbxHostText
{
    public static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
