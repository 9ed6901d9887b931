using System.Globalization;
using System.Text.RegularExpressions;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// Call park: an outside caller (through the Kamailio ITSP) on 101 is parked by a blind transfer to 700; 103 dials the
/// slot and talks to the caller through the relay; a hang-up while parked frees the slot; a call nobody takes rings
/// 101 back.
/// </summary>
public class ParkTests
{
    private sealed record Office(PbxHost Pbx, ItspKamailio Itsp, int Max, string Regex) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Pbx.DisposeAsync();
            await Itsp.DisposeAsync();
        }
    }

    private static async Task<Office> StartAsync(int timeoutSeconds = 45)
    {
        ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = TrunkTests.MediaRange();
        PbxHost pbx = await PbxHost.StartAsync(voicemail: false, configure: c =>
        {
            TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max);
            c["Park"] = new { Number = "700", Slots = "701-703", TimeoutSeconds = timeoutSeconds, ReturnSeconds = 10 };
        });
        await pbx.AssertLogAsync("Trunk itsp registered");
        return new Office(pbx, itsp, max, regex);
    }

    /// <summary>An outside call to the DID that 101's phone answers and parks (REFER to <paramref name="target"/>); its pause after the pcap is <paramref name="pauseMs"/>.</summary>
    private static async Task<(Task<Sipp.Result> Caller, Task<Sipp.Result> Parker)> ParkAsync(Office o, int p101, int pauseMs, string target = "700")
    {
        Assert.Equal(0, (await o.Pbx.RegisterAsync("101", p101)).ExitCode);
        string refer = Sipp.Specialise("uas-refer.xml", ("TARGET", target), ("FINAL", "200 OK"));
        Task<Sipp.Result> parker = Sipp.RunAsync(refer, 5060, "u1", 1, 10, 40, "127.0.0.1", p101, ["-mp", TrunkTests.SippMediaPort(o.Max, 2), "-mi", "127.0.0.1"]);
        await Task.Delay(300);
        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", o.Regex), ("<pause milliseconds=\"8500\"/>", $"<pause milliseconds=\"{pauseMs}\"/>"));
        Task<Sipp.Result> caller = Sipp.RunAsync(outside, o.Itsp.Port, "u1", 1, 10, 60, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(o.Max, 1), "-mi", "127.0.0.1"]);
        return (caller, parker);
    }

    private static void Ok(Sipp.Result r, string who, PbxHost pbx) => Assert.True(r.ExitCode == 0, $"{who}: {r.Output}\n{pbx.Output}");

    [Fact]
    public async Task A_parked_caller_is_taken_by_dialling_the_slot_and_a_hang_up_frees_the_slot()
    {
        await using Office o = await StartAsync();
        int p101 = FreePort.Next();

        // First: parked, then the caller hangs up while parked: the slot is free again.
        var (caller, parker) = await ParkAsync(o, p101, pauseMs: 2000);
        Ok(await parker, "101 (parks)", o.Pbx);
        Ok(await caller, "outside caller", o.Pbx);
        await o.Pbx.AssertLogAsync("parked on 701 by 101");
        await o.Pbx.AssertLogAsync("ended (BYE from the caller)");

        // Second: parked on 701 again; 103 dials 701 and talks to the caller (103's phone echoes what it hears).
        (caller, parker) = await ParkAsync(o, p101, pauseMs: 8500);
        Ok(await parker, "101 (parks again)", o.Pbx);
        await WaitForAsync(() => Regex.Count(o.Pbx.Output, "parked on 701 by 101") == 2, TimeSpan.FromSeconds(10));
        Sipp.Result taker = await Sipp.RunAsync("call-slot.xml", o.Pbx.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", "701", "-au", "103", "-ap", PbxHost.Passwords["103"], "-set", "me", "103", "-rtp_echo", "-mp", TrunkTests.SippMediaPort(o.Max, 0), "-mi", "127.0.0.1"]);
        Ok(taker, "103 (takes 701)", o.Pbx);
        Ok(await caller, "outside caller", o.Pbx);
        await o.Pbx.AssertLogAsync("103 took the call parked on 701");
        await o.Pbx.AssertLogAsync("called->caller ");
        MatchCollection counters = Regex.Matches(o.Pbx.Output, @"RTP caller->called (\d+)/(\d+) packets \(lost \d+[^)]*\), called->caller (\d+)/(\d+)");
        Match last = counters[^1];
        Assert.InRange(int.Parse(last.Groups[3].Value, CultureInfo.InvariantCulture), 10, TrunkTests.PcapPackets); // 103's echo reached the caller (what was left of the pcap once 103 joined)
        Assert.InRange(int.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture), 10, TrunkTests.PcapPackets);
    }

    [Fact]
    public async Task A_call_nobody_takes_rings_the_parker_back()
    {
        await using Office o = await StartAsync(timeoutSeconds: 10);
        int p101 = FreePort.Next();
        var (caller, parker) = await ParkAsync(o, p101, pauseMs: 17000);
        Ok(await parker, "101 (parks)", o.Pbx);
        Task<Sipp.Result> back = Sipp.RunAsync("uas-answer.xml", 5060, "u1", 1, 10, 40, "127.0.0.1", p101, ["-set", "answer_ms", "500"]);
        Ok(await back, "101 (rung back)", o.Pbx);
        Ok(await caller, "outside caller", o.Pbx);
        await o.Pbx.AssertLogAsync("nobody took the call parked on 701 in 10 s: back to 101");
        await o.Pbx.AssertLogAsync("101 answered");
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        Assert.True(await Eventually.TrueAsync(condition, timeout), "timed out");
    }
}
