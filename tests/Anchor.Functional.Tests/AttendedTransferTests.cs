using System.Globalization;
using System.Text.RegularExpressions;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// Attended transfer between two calls Anchor carries (RFC 5589 §7): 101 (SIPp) talks to 102 on a consultation call, an
/// outside caller reaches 101 through the Kamailio ITSP, 101 holds it and REFERs it with <c>Replaces</c> naming the
/// consultation; Anchor joins the outside caller and 102 and hangs up both of 101's legs. The ITSP's SIPp accepts only
/// the relayed hold and Anchor's resume (any other request, a second INVITE among them, fails it).
/// </summary>
public class AttendedTransferTests
{
    [Fact]
    public async Task The_outside_caller_and_the_consulted_102_are_joined_and_101_is_released()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false, configure: c =>
        {
            TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max);
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Always" };
        });
        await pbx.AssertLogAsync("Trunk itsp registered");
        int p101 = FreePort.Next(), p102 = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", p101)).ExitCode);
        Assert.Equal(0, (await pbx.RegisterAsync("102", p102)).ExitCode);

        // 102 answers the consultation, then takes Anchor's re-INVITE (told who it talks to now) and echoes what it hears.
        string target = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "102"), ("MEDIA_PORTS", regex),
            ("HOLD_STEPS", Steps("reinvite-uas.steps").Replace("MEDIA_PORTS", regex, StringComparison.Ordinal).Replace("IDENTITY", "sip:15559876543@", StringComparison.Ordinal)));
        Task<Sipp.Result> callee = Sipp.RunAsync(target, 5060, "u1", 1, 10, 60, "127.0.0.1", p102,
            ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);

        // The consultation: 101 calls 102 (a phone's second line), and says which dialog that is.
        (Task<Sipp.Result> consult, string[] dialog) = await ConsultAsync(pbx, "102", max, regex);
        string replaces = Uri.EscapeDataString($"{dialog[0]};to-tag={dialog[1]};from-tag=1c");

        // 101's first line: answers the outside caller, holds it, REFERs it to 102 with the consultation's Replaces.
        string refer = Sipp.Specialise("uas-refer.xml", ("TARGET@pbx.test", $"102@pbx.test?Replaces={replaces}"), ("FINAL", "200 OK"),
            ("CSeq: 1 REFER", "CSeq: 2 REFER"), ("<pause milliseconds=\"800\"/>", Steps("hold-from-uas.steps")));
        Task<Sipp.Result> transferor = Sipp.RunAsync(refer, 5060, "u1", 1, 10, 40, "127.0.0.1", p101,
            ["-mp", TrunkTests.SippMediaPort(max, 2), "-mi", "127.0.0.1"]);
        await Task.Delay(300);

        // The outside caller: held (the relayed re-INVITE), resumed by Anchor once joined, then speaks to 102.
        string speakAgain = Steps("hold-uas.steps") +
            "<nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/g711a.pcap\"/></action></nop><pause milliseconds=\"6000\"/>";
        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", regex), ("<pause milliseconds=\"8500\"/>", speakAgain));
        Sipp.Result caller = await Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);

        Assert.True(caller.ExitCode == 0, "outside caller: " + caller.Output + pbx.Output);
        Assert.True((await transferor).ExitCode == 0, "101 (the call): " + pbx.Output);
        Assert.True((await consult).ExitCode == 0, "101 (the consultation): " + pbx.Output);
        Assert.True((await callee).ExitCode == 0, "102: " + pbx.Output);
        await pbx.AssertLogAsync("joined to call");
        await pbx.AssertLogAsync("attended transfer complete: 15559876543 talks to 102");
        await pbx.AssertLogAsync("called->caller ");
        Match m = Regex.Match(pbx.Output, @"15559876543 -> 101 via trunk itsp: ended \(BYE from the caller\); RTP caller->called (\d+)/(\d+) packets \([^)]*\), called->caller (\d+)/(\d+)");
        Assert.True(m.Success, pbx.Output);
        Assert.InRange(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 100, 2 * TrunkTests.PcapPackets); // the caller reached 102...
        Assert.InRange(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), 100, 2 * TrunkTests.PcapPackets); // ...and 102's echo came back
    }

    [Fact]
    public async Task An_invite_with_replaces_naming_an_anchored_call_takes_the_place_of_that_leg()
    {
        // 101 calls UserC through the trunk (a call Anchor carries); 103, told of that dialog (as a REFER would tell a
        // transferee whose call with 101 is proxied), INVITEs with Replaces: UserC is re-INVITEd, 103 talks to it, 101 is hung up.
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false, configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        string userCSteps = Steps("reinvite-uas.steps").Replace("MEDIA_PORTS", regex, StringComparison.Ordinal)
            .Replace("regexp=\"IDENTITY\" search_in=\"hdr\" header=\"P-Asserted-Identity:\" check_it=\"true\"", "regexp=\".*\" search_in=\"hdr\" header=\"Via:\"", StringComparison.Ordinal);
        Task<Sipp.Result> userC = Sipp.RunAsync(Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "14085551212"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", userCSteps)),
            5060, "u1", 1, 10, 60, "127.0.0.1", userCPort, ["-rtp_echo", "-mp", TrunkTests.SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);

        (Task<Sipp.Result> consult, string[] dialog) = await ConsultAsync(pbx, "914085551212", max, regex);

        string replacing = Sipp.Specialise("media-caller.xml", ("MEDIA_PORTS", regex),
            ("      Max-Forwards: 70\n      Content-Type: application/sdp", $"      Replaces: {dialog[0]};to-tag={dialog[1]};from-tag=1c\n      Max-Forwards: 70\n      Content-Type: application/sdp"));
        Sipp.Result transferee = await Sipp.RunAsync(replacing, pbx.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", "914085551212", "-au", "103", "-ap", PbxHost.Passwords["103"], "-set", "me", "103", "-mp", TrunkTests.SippMediaPort(max, 1), "-mi", "127.0.0.1"]);

        Assert.True(transferee.ExitCode == 0, "103: " + transferee.Output + pbx.Output);
        Assert.True((await consult).ExitCode == 0, "101: " + pbx.Output);
        Assert.True((await userC).ExitCode == 0, "UserC: " + pbx.Output + itsp.Output);
        Assert.Single(Regex.Matches(itsp.Output, "ITSP-OUTBOUND 14085551212")); // one INVITE toward the ITSP: the dialog stayed the same
        await pbx.AssertLogAsync("103 joined to itsp; 101 hung up");
        await pbx.AssertLogAsync("called->caller ");
        Match m = Regex.Match(pbx.Output, @"ended \(BYE from the caller\); RTP caller->called (\d+)/(\d+) packets \([^)]*\), called->caller (\d+)/(\d+)");
        Assert.True(m.Success, pbx.Output);
        Assert.InRange(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 100, TrunkTests.PcapPackets); // 103 reached UserC...
        Assert.InRange(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), 100, TrunkTests.PcapPackets); // ...and its echo came back
    }

    /// <summary>101 calls <paramref name="to"/> (a phone's second line) and, once answered, says which dialog that is: its Call-ID and Anchor's tag.</summary>
    private static async Task<(Task<Sipp.Result> Consult, string[] Dialog)> ConsultAsync(PbxHost pbx, string to, int max, string regex)
    {
        string dir = Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        Task<Sipp.Result> consult = Sipp.RunAsync(Sipp.Specialise("consult-uac.xml", ("MEDIA_PORTS", regex)), pbx.Port, "u1", 1, 10, 60, "127.0.0.1",
            FreePort.Next(), ["-s", to, "-au", "101", "-ap", PbxHost.Passwords["101"], "-set", "me", "101", "-trace_logs",
                "-mp", TrunkTests.SippMediaPort(max, 3), "-mi", "127.0.0.1"], dir);
        return (consult, (await Sipp.WaitForLogAsync(dir, "CONSULT ", TimeSpan.FromSeconds(15))).Split(' '));
    }

    private static string Steps(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scenarios", file));
}
