using Anchor.Functional.Tests.Itsp;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Anchor.Functional.Tests;

/// <summary>
/// Who rings (hunt groups, forwarding, do-not-disturb, pickup, busy lamps), with SIPp phones, each on its own port;
/// extension 104 joins the usual three. Calls phone to phone are proxied, or carried by Anchor as a B2BUA when a group
/// or a pickup holds them.
/// </summary>
public class WhoRingsTests
{
    private const string Password104 = "dave-secret-104";

    private static string Password(string ext) => ext == "104" ? Password104 : PbxHost.Passwords[ext];

    /// <summary>Extensions 101-104 (no mailboxes: a missed call is heard as it is), the groups given, a relay range of the test's own.</summary>
    private static Task<PbxHost> StartAsync(object[]? groups = null, Action<Dictionary<string, object?>>? more = null, bool voicemail = false,
        Func<string, object?>? forward = null)
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        return PbxHost.StartAsync(voicemail: voicemail, configure: c =>
        {
            c["Extensions"] = new[] { "101", "102", "103", "104" }.Select(n => new
            {
                Number = n,
                Password = Password(n),
                Name = "Ext " + n,
                Voicemail = new { Enabled = voicemail },
                Forward = forward?.Invoke(n) ?? new { },
                PickupGroup = n is "102" or "103" ? "front" : null,
            }).ToArray();
            c["HuntGroups"] = groups ?? [];
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}" };
            more?.Invoke(c);
        });
    }

    /// <summary>A phone for <paramref name="ext"/>: registered, then running <paramref name="scenario"/> for one call.</summary>
    private static async Task<Task<Sipp.Result>> PhoneAsync(PbxHost pbx, string ext, string scenario, int answerMs = 200, IEnumerable<string>? extra = null)
    {
        int port = FreePort.Next();
        Sipp.Result reg = await pbx.RegisterAsync(ext, port, password: Password(ext));
        Assert.True(reg.ExitCode == 0, reg.Output + pbx.Output);
        Task<Sipp.Result> phone = Sipp.RunAsync(scenario, 5060, "u1", 1, 10, 40, "127.0.0.1", port,
            (scenario == "uas-answer.xml" ? ["-set", "answer_ms", answerMs.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>()).Concat(extra ?? []));
        await Task.Delay(300);
        return phone;
    }

    /// <summary>Extension <paramref name="me"/> calls <paramref name="target"/>; <paramref name="scenario"/> says what it expects.</summary>
    private static Task<Sipp.Result> CallAs(PbxHost pbx, string me, string scenario, string target, IEnumerable<string>? extra = null) =>
        Sipp.RunAsync(scenario, pbx.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            new[] { "-s", target, "-au", me, "-ap", Password(me) }
                .Concat(File.ReadAllText(Sipp.ScenarioPath(scenario)).Contains("variables=\"me\"", StringComparison.Ordinal) ? ["-set", "me", me] : Array.Empty<string>())
                .Concat(extra ?? []));

    /// <summary>
    /// A phone that rings and is CANCELed, for INVITEs Anchor sends as a user agent (a hunt, a trunk call): one Via, so
    /// the 487 copies the CANCEL's (uas-ring-cancelled.xml insists on the proxy's two).
    /// </summary>
    private static string RingCancelled() => Sipp.Specialise("uas-ring-cancelled.xml",
        ("check_it=\"true\" assign_to=\"vias,via1,via2\"", "assign_to=\"vias,via1,via2\""), ("Via: [$via1]\n      Via: [$via2]", "[last_Via:]"),
        ("<Reference variables=\"junk,vias\"/>", "<Reference variables=\"junk,vias,via1,via2\"/>"));

    /// <summary>call.xml as any extension, answered by Anchor (a B2BUA: no Record-Route) or by a phone through it.</summary>
    private static string Answered(string me = "101", int holdMs = 300) => Sipp.Specialise("call.xml",
        ("sip:101@", $"sip:{me}@"), ("check_it=\"true\" assign_to=\"rr\"", "assign_to=\"rr\""), ("<pause milliseconds=\"300\"/>", $"<pause milliseconds=\"{holdMs}\"/>"));

    private static string Refused(string me, int status) => Sipp.Specialise("call-refused.xml", ("sip:101@", $"sip:{me}@"), ("STATUS", status.ToString(CultureInfo.InvariantCulture)));

    private static void Ok(Sipp.Result r, string who, PbxHost pbx) => Assert.True(r.ExitCode == 0, $"{who}: {r.Output}\n{pbx.Output}");

    private static object Group(string number, string strategy, int ring, int max, string[] members, string? fallback = null) =>
        new { Number = number, Name = "Sales", Members = members, Strategy = strategy, RingSeconds = ring, MaxSeconds = max, Fallback = fallback };

    /// <summary>When the log line with <paramref name="text"/> was written (the console logger's HH:mm:ss.fff).</summary>
    private static TimeSpan LoggedAt(PbxHost pbx, string text)
    {
        string line = pbx.Output.Split('\n').First(l => l.Contains(text, StringComparison.Ordinal));
        return TimeSpan.ParseExact(Regex.Match(line, @"\d\d:\d\d:\d\d\.\d\d\d").Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Ring_all_rings_every_member_and_cancels_the_others_on_answer()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "RingAll", 15, 60, ["102", "103", "104"])]);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-answer.xml", answerMs: 1500);
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", RingCancelled());
        Task<Sipp.Result> p104 = await PhoneAsync(pbx, "104", RingCancelled());
        Ok(await CallAs(pbx, "101", Answered(), "500"), "caller", pbx);
        Ok(await p102, "102 (answers)", pbx);
        Ok(await p103, "103 (cancelled)", pbx);
        Ok(await p104, "104 (cancelled)", pbx);
        await pbx.AssertLogAsync("hunt group 500 (Sales): RingAll over 102,103,104");
    }

    [Fact]
    public async Task Restart_rings_in_order_each_for_its_ring_seconds()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "Restart", 2, 0, ["102", "103", "104"])]);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", RingCancelled());
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", RingCancelled());
        Task<Sipp.Result> p104 = await PhoneAsync(pbx, "104", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "500"), "caller", pbx);
        Ok(await p102, "102", pbx);
        Ok(await p103, "103", pbx);
        Ok(await p104, "104", pbx);
        await pbx.AssertLogAsync("hunt 500: 103: NoAnswer");
        TimeSpan first = LoggedAt(pbx, "hunt 500: 102: NoAnswer"), second = LoggedAt(pbx, "hunt 500: 103: NoAnswer");
        Assert.InRange((second - first).TotalSeconds, 1.5, 3.5); // 103 rang its 2 s after 102 had rung its own
    }

    [Fact]
    public async Task Next_starts_after_the_member_that_answered_last()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "Next", 2, 0, ["102", "103"])]);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "500"), "first call", pbx);
        Ok(await p102, "102", pbx);
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "500"), "second call", pbx);
        Ok(await p103, "103", pbx);
        Assert.DoesNotContain("hunt 500: 102: NoAnswer", pbx.Output, StringComparison.Ordinal); // 102 was not tried first the second time
    }

    [Fact]
    public async Task Random_rings_each_member_once_then_the_caller_hears_480()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "Random", 2, 1, ["102", "103"])]);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", RingCancelled());
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", RingCancelled());
        Ok(await CallAs(pbx, "101", Refused("101", 480), "500"), "caller", pbx);
        Ok(await p102, "102", pbx);
        Ok(await p103, "103", pbx);
        await pbx.AssertLogAsync("hunt 500: nobody answered");
    }

    [Fact]
    public async Task A_busy_member_is_skipped()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "RingAll", 15, 0, ["102", "104"])]);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-answer.xml");
        Task<Sipp.Result> p104 = await PhoneAsync(pbx, "104", "uas-answer.xml");
        Task<Sipp.Result> busyCall = CallAs(pbx, "103", Answered("103", holdMs: 6000), "102"); // 102 on the phone for 6 s
        await pbx.AssertLogAsync("INVITE from 103 to 102: 1 contact(s)");
        await Task.Delay(1500);
        Ok(await CallAs(pbx, "101", Answered(), "500"), "caller", pbx);
        Ok(await p104, "104", pbx);
        await pbx.AssertLogAsync("hunt 500: skipping 102 (busy)");
        Ok(await busyCall, "103's call", pbx);
        Ok(await p102, "102", pbx);
    }

    [Fact]
    public async Task After_its_max_the_hunt_falls_back_to_another_extension()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "Restart", 2, 1, ["102"], fallback: "103")]); // max 1 < ring 2: one cycle
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", RingCancelled());
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "500"), "caller", pbx);
        Ok(await p102, "102", pbx);
        Ok(await p103, "103 (fallback)", pbx);
        await pbx.AssertLogAsync("hunt 500 over: on to 103");
    }

    [Fact]
    public async Task A_member_group_rings_its_members_one_level_deep()
    {
        await using PbxHost pbx = await StartAsync([Group("500", "RingAll", 15, 0, ["102", "501"]), Group("501", "RingAll", 15, 0, ["103"])]);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", RingCancelled());
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", "uas-answer.xml", answerMs: 1000);
        Ok(await CallAs(pbx, "101", Answered(), "500"), "caller", pbx);
        Ok(await p102, "102", pbx);
        Ok(await p103, "103 (through 501)", pbx);
        await pbx.AssertLogAsync("RingAll over 102,103");
    }

    [Fact]
    public async Task A_did_with_an_spa_contact_list_hunts_through_the_itsp()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false, configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max,
            inbound: $"{ItspKamailio.Did}:name=\"Front desk\",102,101,hunt=re;2;1"));
        await pbx.AssertLogAsync("Trunk itsp registered");
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", RingCancelled());
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "101"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", ""));
        Task<Sipp.Result> p101 = await PhoneAsync(pbx, "101", uas, extra: ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", regex));
        Sipp.Result caller = await Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        Ok(caller, "outside caller", pbx);
        Ok(await p102, "102", pbx);
        Ok(await p101, "101", pbx);
        await pbx.AssertLogAsync($"hunt {ItspKamailio.Did}: 102: NoAnswer");
        await pbx.AssertLogAsync($"RTP caller->called {TrunkTests.PcapPackets}/{TrunkTests.PcapPackets} packets (lost 0");
    }

    [Fact]
    public async Task Forward_all_from_the_phone_survives_a_restart_and_is_cleared_with_star_73()
    {
        await using PbxHost pbx = await StartAsync();
        Ok(await CallAs(pbx, "102", "feature-call.xml", "*72103"), "*72103", pbx);
        await pbx.AssertLogAsync("102 set ForwardAlways to 103");
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "102"), "call to 102", pbx);
        Ok(await p103, "103", pbx);

        await pbx.RestartAsync();
        p103 = await PhoneAsync(pbx, "103", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "102"), "call to 102 after the restart", pbx);
        Ok(await p103, "103 after the restart", pbx);

        Ok(await CallAs(pbx, "102", "feature-call.xml", "*73"), "*73", pbx);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "102"), "call to 102 after *73", pbx);
        Ok(await p102, "102", pbx);
    }

    [Fact]
    public async Task Forward_on_busy_and_on_no_answer_from_the_configuration()
    {
        await using PbxHost pbx = await StartAsync(forward: n => n == "102" ? new { Busy = "103", NoAnswer = "104", NoAnswerSeconds = 5 } : null);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-busy.xml");
        Task<Sipp.Result> p103 = await PhoneAsync(pbx, "103", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "102"), "busy call", pbx);
        Ok(await p102, "102 busy", pbx);
        Ok(await p103, "103", pbx);

        p102 = await PhoneAsync(pbx, "102", "uas-ring-cancelled.xml");
        Task<Sipp.Result> p104 = await PhoneAsync(pbx, "104", "uas-answer.xml");
        Ok(await CallAs(pbx, "101", Answered(), "102"), "unanswered call", pbx);
        Ok(await p102, "102 ringing", pbx);
        Ok(await p104, "104", pbx);
    }

    [Fact]
    public async Task Dnd_from_the_phone_gives_callers_busy()
    {
        await using PbxHost pbx = await StartAsync();
        Ok(await CallAs(pbx, "102", "feature-call.xml", "*78"), "*78", pbx);
        Ok(await CallAs(pbx, "101", Refused("101", 486), "102"), "call to 102", pbx);
        Ok(await CallAs(pbx, "102", "feature-call.xml", "*79"), "*79", pbx);
        Ok(await CallAs(pbx, "101", Refused("101", 480), "102"), "call to 102 (not registered)", pbx);
    }

    [Fact]
    public async Task A_forward_to_an_outside_number_needs_the_class_and_a_loop_ends_at_once()
    {
        await using PbxHost pbx = await StartAsync(
            forward: n => n switch { "103" => new { Always = "104" }, "104" => new { Always = "103" }, _ => null },
            more: c =>
            {
                c["Trunks"] = new[] { new { Name = "itsp", Proxy = $"udp:127.0.0.1:{FreePort.Next()}", Domain = "itsp.test", Username = "u", Password = "trunk-pw-1", Register = false } };
                c["DialPlan"] = new[] { new { Pattern = "<9:>011x.", Trunk = "itsp", Class = "International" } };
            });
        Ok(await CallAs(pbx, "102", Refused("102", 403), "*729011441234567"), "*72 international", pbx);
        await pbx.AssertLogAsync("Security: 102 may not forward to 9011441234567");
        Ok(await CallAs(pbx, "101", Refused("101", 482), "103"), "call into the loop", pbx);
        await pbx.AssertLogAsync("Forwarding loop for the call from 101: 103 -> 104 -> 103; refused");
    }

    [Theory]
    [InlineData("*36102")] // directed, the SPA code
    [InlineData("*37")] // 103's pickup group, the SPA code
    [InlineData("*8")] // the same, Asterisk's
    public async Task Pickup_joins_caller_and_picker_with_media_both_ways(string code)
    {
        await using PbxHost pbx = await StartAsync();
        (_, int max, string regex) = ParsedRange(pbx);
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-ring-cancelled.xml");
        Task<Sipp.Result> caller = CallAs(pbx, "101", Sipp.Specialise("media-caller.xml", ("MEDIA_PORTS", regex)), "102",
            ["-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await pbx.AssertLogAsync("INVITE from 101 to 102: 1 contact(s)");
        await Task.Delay(500);
        Ok(await CallAs(pbx, "103", "feature-call.xml", code, ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]), "picker 103", pbx);
        Ok(await caller, "caller 101", pbx);
        Ok(await p102, "102 (cancelled)", pbx);
        await pbx.AssertLogAsync("103 picked the call up");
        await pbx.AssertLogAsync($"RTP caller->called {TrunkTests.PcapPackets}/{TrunkTests.PcapPackets} packets (lost 0");
        await pbx.AssertLogAsync($"called->caller {TrunkTests.PcapPackets}/{TrunkTests.PcapPackets} (lost 0");
    }

    [Fact]
    public async Task A_call_from_the_trunk_can_be_picked_up()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false, configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max, inbound: "102"));
        await pbx.AssertLogAsync("Trunk itsp registered");
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", RingCancelled());
        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", regex));
        Task<Sipp.Result> caller = Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        await pbx.AssertLogAsync("to 102: 1 contact(s)");
        await Task.Delay(500);
        Ok(await CallAs(pbx, "103", "feature-call.xml", "**102", ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]), "picker 103", pbx);
        Ok(await caller, "outside caller", pbx);
        Ok(await p102, "102 (cancelled)", pbx);
        await pbx.AssertLogAsync("picked up by 103");
        await pbx.AssertLogAsync($"called->caller {TrunkTests.PcapPackets}/{TrunkTests.PcapPackets} (lost 0");
    }

    [Fact]
    public async Task A_busy_lamp_sees_early_then_confirmed_then_terminated()
    {
        await using PbxHost pbx = await StartAsync();
        string work = Directory.CreateTempSubdirectory("anchor-blf-").FullName;
        Task<Sipp.Result> watcher = Sipp.RunAsync("subscribe-dialog.xml", pbx.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", "102", "-au", "103", "-ap", Password("103"), "-set", "me", "103", "-trace_logs"], work);
        Assert.Equal("", await Sipp.WaitForLogAsync(work, "STATE0", TimeSpan.FromSeconds(10))); // the immediate NOTIFY: idle
        Task<Sipp.Result> p102 = await PhoneAsync(pbx, "102", "uas-answer.xml", answerMs: 1000);
        Ok(await CallAs(pbx, "101", "call.xml", "102"), "call", pbx);
        Ok(await p102, "102", pbx);
        Ok(await watcher, "watcher", pbx);
        string log = File.ReadAllText(Directory.GetFiles(work, "*_logs.log").Single());
        string[] states = Regex.Matches(log, @"STATE[1-4] (\w+)").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["trying", "early", "confirmed", "terminated"], states);
    }

    /// <summary>The relay range the test's PbxHost was given, and its port regex (as <see cref="TrunkTests.MediaRange"/> made it).</summary>
    private static (int Min, int Max, string Regex) ParsedRange(PbxHost pbx)
    {
        string json = File.ReadAllText(Path.Combine(pbx.Directory, "anchor.json"));
        Match m = Regex.Match(json, "\"PortRange\":\"(\\d+)-(\\d+)\"");
        int min = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), max = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return (min, max, min.ToString(CultureInfo.InvariantCulture)[..3] + "[0-9][0-9]");
    }
}
