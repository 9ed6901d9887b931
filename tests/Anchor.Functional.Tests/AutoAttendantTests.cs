using System.Globalization;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// The auto attendant with real peers: an outside caller comes through the Kamailio ITSP on the DID, hears the greeting
/// (RTP that is not silence), presses 2 — as RFC 4733 from the test's socket, from SIPp's pcaps (payload type 101) and
/// from SIPp's play_dtmf (type 96) — and 102 (SIPp) rings and answers. Day and night by the office's time zone, the
/// night-mode code, invalid input, time-outs and retries, and the SPA9000's default script.
/// </summary>
public class AutoAttendantTests
{
    private const string SpaDefaultScript = """
        <aa><form id="main" type="menu"><audio src="prompt1" bargein="T"/><dialplan src="dp2"/>
         <noinput timeout="10" repeat="T"/><nomatch><audio src="prompt3" bargein="T"/></nomatch>
         <match><case input="*"><audio src="prompt4"/><exit/></case>
          <default><audio src="prompt2"/><xfer name="ext" target="$input"/></default></match></form></aa>
        """;

    private static object MainMenu(object? night = null, string? open = null, string zone = "UTC", object? day = null) => new
    {
        Number = "400",
        Name = "Main",
        TimeZone = zone,
        Open = open is null ? Array.Empty<string>() : [open],
        Day = day ?? new { Menu = new Dictionary<string, string> { ["2"] = "102", ["9"] = "vm101" }, TimeoutSeconds = 5, Retries = 2 },
        Night = night,
        Operators = new[] { "101" },
    };

    private static async Task<(ItspKamailio Itsp, PbxHost Pbx, int Max)> OfficeAsync(object attendant)
    {
        ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, _) = TrunkTests.MediaRange();
        PbxHost pbx = await PbxHost.StartAsync(keepAliveSeconds: 3600, configure: c =>
        {
            TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max, inbound: "400");
            c["AutoAttendants"] = new[] { attendant };
        });
        await pbx.AssertLogAsync("Trunk itsp registered");
        return (itsp, pbx, max);
    }

    /// <summary>102 registered and answering (SIPp), for the AA to transfer to.</summary>
    private static async Task<Task<Sipp.Result>> Phone102Async(PbxHost pbx)
    {
        int port = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", port)).ExitCode);
        Task<Sipp.Result> phone = PbxHost.CalleeAsync("uas-answer.xml", port, answerMs: 500, timeoutSeconds: 60);
        await Task.Delay(300);
        return phone;
    }

    private static async Task TransferredTo102Async(PbxHost pbx, VoiceCall caller, Task<Sipp.Result> phone)
    {
        await pbx.AssertLogAsync("on to 102 (Dial)");
        await pbx.AssertLogAsync(": 102 answered");
        await Task.Delay(1000);
        Sipp.Result hung = await caller.HangUpAsync();
        Assert.True(hung.ExitCode == 0, "caller: " + hung.Output + pbx.Output);
        Sipp.Result answered = await phone; // rang, answered, got the BYE
        Assert.True(answered.ExitCode == 0, "102: " + answered.Output + pbx.Output);
    }

    [Fact]
    public async Task Outside_caller_hears_the_greeting_presses_2_and_102_answers()
    {
        (ItspKamailio itsp, PbxHost pbx, _) = await OfficeAsync(MainMenu());
        await using (itsp)
        await using (pbx)
        {
            Task<Sipp.Result> phone = await Phone102Async(pbx);
            await using VoiceCall caller = await VoiceCall.FromOutsideAsync(itsp.Port, ItspKamailio.Did);
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), caller.SippOutput + pbx.Output + itsp.Output);
            await Task.Delay(2000);
            short[] greeting = caller.HeardSince(TimeSpan.Zero);
            Assert.True(greeting.Length >= 8000 && Audio.Level(greeting) > 300, $"greeting: {greeting.Length / 8000.0:0.0} s at level {Audio.Level(greeting):0}");
            await caller.KeysAsync("2");
            await pbx.AssertLogAsync("auto attendant 400 (Main), day");
            await pbx.AssertLogAsync("auto attendant 400: main: \"2\"");
            await TransferredTo102Async(pbx, caller, phone);
            await pbx.AssertLogAsync("INVITE from 15559876543 (DID 15551230000) to 400: AutoAttendant");
        }
    }

    [Theory]
    [InlineData("0 101", "<nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_2.pcap\"/></action></nop>")]
    [InlineData("0 96", "<nop><action><exec play_dtmf=\"2\"/></action></nop>")]
    public async Task Keys_from_sipp_reach_the_attendant(string formats, string play)
    {
        (ItspKamailio itsp, PbxHost pbx, int max) = await OfficeAsync(MainMenu());
        await using (itsp)
        await using (pbx)
        {
            Task<Sipp.Result> phone = await Phone102Async(pbx);
            await using VoiceCall caller = await VoiceCall.FromOutsideAsync(itsp.Port, ItspKamailio.Did, formats: formats,
                steps: $"<pause milliseconds=\"1500\"/>\n{play}", mediaPort: TrunkTests.SippMediaPort(max, 1));
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), caller.SippOutput + pbx.Output + itsp.Output);
            await pbx.AssertLogAsync("DTMF 2 from 15559876543 (RFC 4733)");
            await TransferredTo102Async(pbx, caller, phone);
        }
    }

    [Fact]
    public async Task Day_and_night_follow_the_office_time_zone_and_the_night_mode_code()
    {
        // Open for the current hour in Kolkata (UTC+5:30): day there, though that hour in UTC is another one.
        TimeZoneInfo kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        DateTime local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, kolkata).DateTime;
        if (local.Minute == 59)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - local.Second)); // not at the edge of the window
            local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, kolkata).DateTime;
        }

        string open = string.Create(CultureInfo.InvariantCulture, $"Mon-Sun {local.Hour:00}:00-{local.Hour + 1:00}:00");
        object night = new { Menu = new Dictionary<string, string> { ["1"] = "vm101" }, NoInput = "vm101", TimeoutSeconds = 2, Retries = 0 };
        (ItspKamailio itsp, PbxHost pbx, _) = await OfficeAsync(MainMenu(night, open, "Asia/Kolkata"));
        await using (itsp)
        await using (pbx)
        {
            await using (VoiceCall first = await VoiceCall.FromExtensionAsync(pbx, "103", "400"))
            {
                Assert.True(await first.AnsweredAsync(TimeSpan.FromSeconds(10)), pbx.Output);
                await pbx.AssertLogAsync("auto attendant 400 (Main), day");
            }

            // 101 is an operator: *52 switches the office to night without a PIN.
            await using (VoiceCall toggle = await VoiceCall.FromExtensionAsync(pbx, "101", "*52"))
            {
                Assert.True(await toggle.AnsweredAsync(TimeSpan.FromSeconds(10)), pbx.Output);
                Sipp.Result r = await toggle.Completion; // "night mode", goodbye, and Anchor hangs up
                Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
            }

            await pbx.AssertLogAsync("auto attendants switched to night by 101");
            await using VoiceCall second = await VoiceCall.FromExtensionAsync(pbx, "103", "400");
            Assert.True(await second.AnsweredAsync(TimeSpan.FromSeconds(10)), pbx.Output);
            await pbx.AssertLogAsync("auto attendant 400 (Main), night");
            await Task.Delay(1000);
            await second.KeysAsync("1");
            await pbx.AssertLogAsync("on to vm101 (Voicemail)");
        }
    }

    [Fact]
    public async Task Night_on_a_holiday_and_outside_the_window()
    {
        object night = new { Menu = new Dictionary<string, string> { ["1"] = "vm101" } };
        string today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        object aa = new
        {
            Number = "400",
            Name = "Main",
            TimeZone = "UTC",
            Open = new[] { "Mon-Sun 00:00-24:00" },
            Holidays = new[] { today },
            Day = new { Menu = new Dictionary<string, string> { ["2"] = "102" } },
            Night = night,
        };
        (ItspKamailio itsp, PbxHost pbx, _) = await OfficeAsync(aa);
        await using (itsp)
        await using (pbx)
        {
            await using VoiceCall caller = await VoiceCall.FromOutsideAsync(itsp.Port, ItspKamailio.Did);
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), caller.SippOutput + pbx.Output);
            await pbx.AssertLogAsync("auto attendant 400 (Main), night");
        }
    }

    [Fact]
    public async Task Invalid_input_and_silence_repeat_then_go_to_the_no_input_target()
    {
        object day = new { Menu = new Dictionary<string, string> { ["2"] = "102" }, TimeoutSeconds = 2, Retries = 1, NoInput = "vm103" };
        (ItspKamailio itsp, PbxHost pbx, _) = await OfficeAsync(MainMenu(day: day));
        await using (itsp)
        await using (pbx)
        {
            await using VoiceCall caller = await VoiceCall.FromOutsideAsync(itsp.Port, ItspKamailio.Did);
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), caller.SippOutput + pbx.Output);
            await Task.Delay(1000);
            await caller.KeysAsync("5");
            await pbx.AssertLogAsync("main: no match for \"5\"");
            await pbx.AssertLogAsync("main: repeat 1 of 1");
            await Eventually.TrueAsync(() => pbx.Output.Contains("on to vm103", StringComparison.Ordinal), TimeSpan.FromSeconds(40));
            await pbx.AssertLogAsync("main: no input");
            await pbx.AssertLogAsync("on to vm103 (Voicemail)");
            int repeats = PbxHostText.Count(pbx.Output, "main: repeat 1 of 1");
            Assert.Equal(2, repeats); // once after the bad key, once after the first silence
            Assert.True(await caller.HearToneAsync(1000, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20)) is not null, "no beep of vm103\n" + pbx.Output);
        }
    }

    [Fact]
    public async Task The_spa9000_default_script_transfers_to_the_extension_dialled()
    {
        object aa = new { Number = "400", Name = "SPA", TimeZone = "UTC", Script = SpaDefaultScript };
        (ItspKamailio itsp, PbxHost pbx, _) = await OfficeAsync(aa);
        await using (itsp)
        await using (pbx)
        {
            Task<Sipp.Result> phone = await Phone102Async(pbx);
            await using VoiceCall caller = await VoiceCall.FromOutsideAsync(itsp.Port, ItspKamailio.Did);
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), caller.SippOutput + pbx.Output);
            await Task.Delay(1000);
            await caller.KeysAsync("102");
            await pbx.AssertLogAsync("auto attendant 400: main: \"102\"");
            await TransferredTo102Async(pbx, caller, phone);
        }
    }

    [Fact]
    public async Task Star_in_the_spa9000_default_script_says_goodbye_and_hangs_up()
    {
        object aa = new { Number = "400", Name = "SPA", TimeZone = "UTC", Script = SpaDefaultScript };
        (ItspKamailio itsp, PbxHost pbx, _) = await OfficeAsync(aa);
        await using (itsp)
        await using (pbx)
        {
            await using VoiceCall caller = await VoiceCall.FromOutsideAsync(itsp.Port, ItspKamailio.Did);
            Assert.True(await caller.AnsweredAsync(TimeSpan.FromSeconds(10)), caller.SippOutput + pbx.Output);
            await Task.Delay(800);
            await caller.KeysAsync("*");
            Sipp.Result r = await caller.Completion; // Anchor's BYE after "goodbye"
            Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
            await pbx.AssertLogAsync("auto attendant 400: goodbye");
        }
    }
}
