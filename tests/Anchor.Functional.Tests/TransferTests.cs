using System.Globalization;
using System.Text.RegularExpressions;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// Blind transfer (RFC 3515) of a call Anchor carries: an outside caller through the Kamailio ITSP reaches 101, whose
/// phone (SIPp) REFERs it to 102; the ITSP's side sees nothing (its SIPp would fail on any request it does not
/// expect), 102 and the caller exchange RTP through the relay, 101 hears NOTIFY 100 then the final status.
/// </summary>
public class TransferTests
{
    /// <summary>What a transfer test ran: the three SIPps' results, Anchor and the ITSP (stopped on dispose).</summary>
    private sealed record Run(Sipp.Result Caller, Sipp.Result Transferor, Sipp.Result Target, PbxHost Pbx, ItspKamailio Itsp) : IAsyncDisposable
    {
        /// <summary>Every SIPp ended as its scenario says (an unexpected request, a second INVITE toward the ITSP among them, fails it).</summary>
        public void AllOk()
        {
            Assert.True(Caller.ExitCode == 0, "outside caller: " + Caller.Output + Pbx.Output);
            Assert.True(Transferor.ExitCode == 0, "101: " + Transferor.Output + Pbx.Output);
            Assert.True(Target.ExitCode == 0, "102: " + Target.Output + Pbx.Output);
        }

        public async ValueTask DisposeAsync()
        {
            await Pbx.DisposeAsync();
            await Itsp.DisposeAsync();
        }
    }

    private static async Task<Run> TransferAsync(
        string? targetScenario, string final, bool echo, string transferorScenario = "uas-refer.xml", string to = "102", bool voicemail = false, string afterPcap = "<pause milliseconds=\"8500\"/>")
    {
        ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = TrunkTests.MediaRange();
        PbxHost pbx = await PbxHost.StartAsync(voicemail: voicemail, configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");

        int p101 = FreePort.Next(), p102 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", p101)).ExitCode);
        Assert.Equal(0, (await pbx.RegisterAsync("102", p102)).ExitCode);
        string refer = Sipp.Specialise(transferorScenario, ("TARGET", to), ("FINAL", final));
        Task<Sipp.Result> transferor = Sipp.RunAsync(refer, 5060, "u1", 1, 10, 40, "127.0.0.1", p101, ["-mp", TrunkTests.SippMediaPort(max, 2), "-mi", "127.0.0.1"]);
        string? target = targetScenario == "uas-media.xml"
            ? Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "102"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", ""))
            : targetScenario;
        Task<Sipp.Result> callee = target is null ? Task.FromResult(new Sipp.Result(0, "", ""))
            : Sipp.RunAsync(target, 5060, "u1", 1, 10, 40, "127.0.0.1", p102, echo ? ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"] : []);
        await Task.Delay(300);
        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", regex), ("<pause milliseconds=\"8500\"/>", afterPcap));
        Sipp.Result caller = await Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        return new Run(caller, await transferor, await callee, pbx, itsp);
    }

    [Fact]
    public async Task An_outside_caller_is_transferred_to_102_and_talks_to_it_through_the_relay()
    {
        await using Run run = await TransferAsync("uas-media.xml", "200 OK", echo: true);
        run.AllOk();
        PbxHost pbx = run.Pbx;
        await pbx.AssertLogAsync("101 transfers 15559876543 to 102");
        await pbx.AssertLogAsync("transfer complete");
        await pbx.AssertLogAsync("called->caller ");
        Match m = Regex.Match(pbx.Output, @"RTP caller->called (\d+)/(\d+) packets \(lost 0[^)]*\), called->caller (\d+)/(\d+)");
        Assert.True(m.Success, pbx.Output);
        Assert.Equal(TrunkTests.PcapPackets, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)); // every packet of the caller...
        // ...forwarded to 101, then to 102, but for the moment 102 rang (the caller heard ring-back from Anchor meanwhile).
        Assert.InRange(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 180, TrunkTests.PcapPackets);
        Assert.InRange(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), 100, TrunkTests.PcapPackets); // 102's echo came back
    }

    [Fact]
    public async Task An_internal_call_with_media_anchored_is_transferred_by_anchor_too()
    {
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false,
            configure: c => c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Always" });
        int p102 = FreePort.Next(), p103 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", p102)).ExitCode);
        Assert.Equal(0, (await pbx.RegisterAsync("103", p103)).ExitCode);
        Task<Sipp.Result> transferor = Sipp.RunAsync(Sipp.Specialise("uas-refer.xml", ("TARGET", "103"), ("FINAL", "200 OK")), 5060, "u1", 1, 10, 40,
            "127.0.0.1", p102, ["-mp", TrunkTests.SippMediaPort(max, 2), "-mi", "127.0.0.1"]);
        Task<Sipp.Result> target = Sipp.RunAsync(Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "103"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", "")), 5060, "u1",
            1, 10, 40, "127.0.0.1", p103, ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);
        Sipp.Result caller = await Sipp.RunAsync(Sipp.Specialise("media-caller.xml", ("MEDIA_PORTS", regex)), pbx.Port, "u1", 1, 10, 40, "127.0.0.1",
            FreePort.Next(), ["-s", "102", "-au", "101", "-ap", PbxHost.Passwords["101"], "-set", "me", "101", "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        Assert.True(caller.ExitCode == 0, "101: " + caller.Output + pbx.Output);
        Assert.True((await transferor).ExitCode == 0, "102: " + pbx.Output);
        Assert.True((await target).ExitCode == 0, "103: " + pbx.Output);
        await pbx.AssertLogAsync("102 transfers 101 to 103");
        await pbx.AssertLogAsync("transfer complete");
        await pbx.AssertLogAsync("called->caller ");
        Match m = Regex.Match(pbx.Output, @"called->caller (\d+)/(\d+)");
        Assert.True(m.Success, pbx.Output);
        Assert.InRange(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 100, TrunkTests.PcapPackets); // 103's echo reached 101
    }

    [Fact]
    public async Task The_transferor_may_hang_up_right_after_the_202()
    {
        await using Run run = await TransferAsync("uas-media.xml", "200 OK", echo: true, "uas-refer-bye.xml");
        run.AllOk();
        PbxHost pbx = run.Pbx;
        await pbx.AssertLogAsync("101 left the call");
        await pbx.AssertLogAsync("transfer complete");
        await pbx.AssertLogAsync("ended (BYE from the caller)");
    }

    [Fact]
    public async Task A_caller_transferred_to_a_mailbox_leaves_a_message()
    {
        // The greeting ("the person at extension 1 0 2 is not available", "please leave a message…") takes 12 s: the caller
        // speaks again (the pcap once more) after it and the tone, and that is the message.
        const string again = "<pause milliseconds=\"14000\"/><nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/g711a.pcap\"/></action></nop>" +
            "<pause milliseconds=\"5500\"/>";
        await using Run run = await TransferAsync(null, "200 OK", echo: false, to: "vm102", voicemail: true, afterPcap: again);
        run.AllOk();
        await run.Pbx.AssertLogAsync("Voicemail for 102 from 15559876543:");
        Assert.Matches(@"Voicemail for 102 from 15559876543: [3-6]\.\d s stored as", run.Pbx.Output); // the pcap's 4.7 s, give or take the tone
    }

    [Theory]
    [InlineData("vm102", "Voicemail")] // a mailbox
    [InlineData("700", "Park")] // the park number
    public async Task A_transfer_target_goes_through_the_router(string to, string application)
    {
        await using Run run = await TransferAsync(null, "200 OK", echo: false, to: to, voicemail: true);
        run.AllOk();
        await run.Pbx.AssertLogAsync($"101 transfers 15559876543 to {to}");
        await run.Pbx.AssertLogAsync($"transferred to {to}: {application}");
    }

    [Fact]
    public async Task A_busy_target_is_reported_and_the_original_call_goes_on()
    {
        await using Run run = await TransferAsync("uas-busy.xml", "486 Busy Here", echo: false);
        run.AllOk();
        PbxHost pbx = run.Pbx;
        await pbx.AssertLogAsync("transfer failed (486 Busy Here): the original call goes on");
        await pbx.AssertLogAsync("ended (BYE from the caller)");
    }
}
