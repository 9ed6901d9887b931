using System.Globalization;
using System.Text.RegularExpressions;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// Requests inside dialogs Anchor never set up (issue: forged in-dialog requests reached the trunk): sent by hand from an
/// address that never authenticated, toward the Kamailio ITSP and toward a registered phone. None may get further than
/// Anchor. And the other side of the rule: with Sip:Domain an IP address, in-dialog requests to a phone on Anchor's own
/// host are forwarded (they were answered 481).
/// </summary>
public partial class InDialogSecurityTests
{
    [Fact]
    public async Task Forged_in_dialog_requests_reach_neither_the_itsp_nor_a_phone()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, _) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", phonePort)).ExitCode);
        using var phone = new RawSip(port: phonePort); // 102's registered address, now only listening
        using var attacker = new RawSip("127.0.0.2");

        string anchor = $"127.0.0.1:{pbx.Port}";
        string itspHop = $"127.0.0.1:{itsp.Port}";
        string outside = $"sip:14085551212@{itspHop}";
        string toPhone = $"sip:102@127.0.0.1:{phonePort}";
        string fakeToken = new string('0', 16) + "." + new string('1', 16);
        var cases = new (string Method, string Uri, bool ToTag, string[] Routes, int Expected)[]
        {
            // The issue's case: loose-routed through Anchor to the ITSP's proxy.
            ("INVITE", outside, true, [$"<sip:{anchor};lr>", $"<sip:{itspHop};lr>"], 481),
            ("INVITE", outside, true, [$"<sip:{anchor};lr;dlg={fakeToken}>", $"<sip:{itspHop};lr>"], 481),
            ("INVITE", outside, true, [$"<sip:{anchor};lr;dlg={fakeToken}>"], 481),
            ("BYE", outside, true, [], 481),
            ("REFER", outside, true, [$"<sip:{anchor};lr>"], 481),
            ("BYE", toPhone, true, [$"<sip:{anchor};lr>"], 481),
            ("INFO", toPhone, true, [], 481),
            ("REFER", toPhone, true, [$"<sip:{anchor};lr;dlg={fakeToken}>"], 481),

            // Outside any dialog, a Route set that goes past Anchor: to the ITSP, or to an arbitrary host.
            ("INVITE", outside, false, [$"<sip:{anchor};lr>", $"<sip:{itspHop};lr>"], 403),
            ("MESSAGE", "sip:someone@198.51.100.7", false, ["<sip:198.51.100.7;lr>"], 403),
        };

        int n = 0;
        foreach (var (method, uri, toTag, routes, expected) in cases)
        {
            string callId = $"forged-{++n}-{Guid.NewGuid():N}";
            await attacker.SendAsync(Request(method, uri, callId, attacker.HostPort, toTag, routes), pbx.Port);
            int status = await attacker.FinalStatusAsync(callId, TimeSpan.FromSeconds(5));
            Assert.True(status == expected, $"{method} {uri} via [{string.Join(", ", routes)}]: {status}, expected {expected}\n{pbx.Output}");
        }

        // ACK for a 2xx that never was: nothing to answer, nothing to forward.
        await attacker.SendAsync(Request("ACK", outside, "forged-ack-" + Guid.NewGuid().ToString("N"), attacker.HostPort, true,
            [$"<sip:{anchor};lr>", $"<sip:{itspHop};lr>"]), pbx.Port);
        await attacker.SendAsync(Request("ACK", toPhone, "forged-ack-" + Guid.NewGuid().ToString("N"), attacker.HostPort, true,
            [$"<sip:{anchor};lr;dlg={fakeToken}>"]), pbx.Port);

        await Task.Delay(1000);
        Assert.DoesNotContain("forged-", itsp.Output, StringComparison.Ordinal);
        string? atPhone;
        while ((atPhone = await phone.ReceiveAsync(TimeSpan.FromMilliseconds(200))) is not null)
        {
            Assert.DoesNotContain("forged-", atPhone, StringComparison.Ordinal);
        }

        await pbx.AssertLogAsync("Security: in-dialog INVITE from 127.0.0.2");
    }

    [Fact]
    public async Task With_the_domain_an_ip_address_every_bye_reaches_a_callee_on_anchors_host()
    {
        const int calls = 200;
        await using PbxHost pbx = await PbxHost.StartAsync(domain: "127.0.0.1",
            configure: c => c["Security"] = new { TrustedNetworks = new[] { "127.0.0.0/8" } }); // 200 calls from one address
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        Task<Sipp.Result> callee = Sipp.RunAsync("uas-answer.xml", 5060, "u1", calls, 10, 90, "127.0.0.1", calleePort,
            ["-set", "answer_ms", "0", "-trace_screen"]);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102", timeoutSeconds: 90,
            extra: ["-m", calls.ToString(CultureInfo.InvariantCulture), "-r", "20", "-l", "40", "-trace_screen"]);
        Sipp.Result answered = await callee;
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True(answered.ExitCode == 0, "callee: " + answered.Output);
        Assert.Equal(calls, ScreenCount(answered, "BYE", out int calleeRetrans));
        Assert.Equal(calls, ScreenCount(caller, "BYE", out int callerRetrans));
        Assert.Equal(0, calleeRetrans + callerRetrans + Retransmissions(caller) + Retransmissions(answered));
        // No 481 anywhere (a status, not the milliseconds of a log line's timestamp such as 14:51:23.481).
        Assert.DoesNotMatch(@"(?<![.\d])481(?!\d)", pbx.Output + caller.Output);
    }

    private static string Request(string method, string uri, string callId, string self, bool toTag, string[] routes) =>
        $"""
        {method} {uri} SIP/2.0
        Via: SIP/2.0/UDP {self};branch=z9hG4bK{Guid.NewGuid():N};rport
        Max-Forwards: 70
        From: <sip:15550001111@attacker.test>;tag=a{callId.GetHashCode(StringComparison.Ordinal):x}
        To: <{uri}>{(toTag ? ";tag=victim1" : "")}
        Call-ID: {callId}
        CSeq: 7 {method}
        {string.Concat(routes.Select(r => $"Route: {r}\r\n"))}Contact: <sip:attacker@{self}>
        Content-Length: 0


        """;

    /// <summary>The count of a message in SIPp's final screen (-trace_screen), and its retransmissions column.</summary>
    private static int ScreenCount(Sipp.Result r, string message, out int retransmissions)
    {
        string screen = ScenarioScreen(r);
        Match m = Regex.Match(screen, $@"^\s*(?:(?:<-+|-+>)\s+{message}|{message}\s+(?:<-+|-+>))\s+(\d+)\s+(\d+)", RegexOptions.Multiline);
        Assert.True(m.Success, "no " + message + " line in SIPp's screen:\n" + screen);
        retransmissions = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Every retransmission SIPp made, summed over the messages of its final screen.</summary>
    private static int Retransmissions(Sipp.Result r)
    {
        string screen = ScenarioScreen(r);
        return ScreenRow().Matches(screen).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The last scenario screen SIPp dumped when it quit (message rows: the message and its arrow, in the order of the side, then count and retransmissions).</summary>
    private static string ScenarioScreen(Sipp.Result r)
    {
        string all = string.Join("\n", Directory.GetFiles(r.WorkDir, "*_screen*.log").Select(File.ReadAllText));
        int last = all.LastIndexOf("Scenario Screen", StringComparison.Ordinal);
        int end = last < 0 ? -1 : all.IndexOf("Statistics Screen", last, StringComparison.Ordinal);
        return last < 0 ? all : end < 0 ? all[last..] : all[last..end];
    }

    [GeneratedRegex(@"^\s*(?:(?:<-+|-+>)\s+\S+|\S+\s+(?:<-+|-+>))\s+\d+\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex ScreenRow();
}
