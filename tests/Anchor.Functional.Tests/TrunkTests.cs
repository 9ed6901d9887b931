using System.Globalization;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// Figure 2: the office's trunk at an ITSP (Kamailio as the ITSP, SIPp as the people on the Internet), with the RTP
/// anchored by Anchor. The pcap SIPp plays is its own G.711 sample: 236 packets over 7 s.
/// </summary>
public class TrunkTests
{
    internal const int PcapPackets = 236;
    private static int s_range;

    [Fact]
    public async Task Trunk_registers_with_the_itsp_refreshes_and_unregisters_on_stop()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, _) = MediaRange();
        PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max, registerExpires: 10));
        await using (pbx)
        {
            await pbx.AssertLogAsync("Trunk itsp registered to udp:127.0.0.1:" + itsp.Port.ToString(CultureInfo.InvariantCulture));
            Assert.True(await itsp.TrunkRegisteredAsync(), itsp.Output);

            // Expires 10 s: refreshed after 5 s, so a second successful REGISTER within ~8 s.
            await Eventually.TrueAsync(() => itsp.Count("ITSP-SAVED anchor1 expires=10") >= 2, TimeSpan.FromSeconds(12));
            Assert.True(itsp.Count("ITSP-SAVED anchor1 expires=10") >= 2, itsp.Output);

            // A clean stop removes the registration at the ITSP.
            Assert.Equal(0, await pbx.StopAsync());
        }

        Assert.Contains("ITSP-SAVED anchor1 expires=0", itsp.Output, StringComparison.Ordinal);
        Assert.False(await itsp.TrunkRegisteredAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Outbound_call_goes_through_the_itsp_with_media_anchored_both_ways(bool holdAndResume)
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, string regex) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");

        // UserC behind the ITSP: the INVITE must be for the stripped number, its SDP must name Anchor's relay; it echoes RTP.
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "14085551212"), ("MEDIA_PORTS", regex),
            ("HOLD_STEPS", holdAndResume ? Steps("hold-uas.steps") : ""));
        Task<Sipp.Result> userC = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", userCPort,
            ["-rtp_echo", "-mp", SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);

        // 101 dials 9 + 1 + ten digits.
        string uac = Sipp.Specialise("trunk-call.xml", ("MEDIA_PORTS", regex), ("HOLD_STEPS", holdAndResume ? Steps("hold-uac.steps") : ""));
        Sipp.Result caller = await pbx.CallAsync(uac, "914085551212", timeoutSeconds: 40,
            extra: ["-mp", SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        Sipp.Result called = await userC;
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output + itsp.Output);
        Assert.True(called.ExitCode == 0, "UserC: " + called.Output + pbx.Output);
        Assert.Contains("ITSP-OUTBOUND 14085551212 from anchor1", itsp.Output, StringComparison.Ordinal);
        await pbx.AssertLogAsync("outbound as 14085551212 through trunk itsp");

        if (!holdAndResume)
        {
            // Every packet the caller played reached UserC through the relay, and every echo came back.
            await pbx.AssertLogAsync($"RTP caller->called {PcapPackets}/{PcapPackets} packets (lost 0");
            await pbx.AssertLogAsync($"called->caller {PcapPackets}/{PcapPackets} (lost 0");
            return;
        }

        // On hold UserC hears Anchor's music, and 101's stream is not forwarded meanwhile; on resume it is again.
        await pbx.AssertLogAsync("101 holds itsp: music on hold to itsp");
        await pbx.AssertLogAsync("resumed: media relayed both ways");
        await pbx.AssertLogAsync($"RTP caller->called ");
        var m = System.Text.RegularExpressions.Regex.Match(pbx.Output, @"RTP caller->called (\d+)/(\d+) packets");
        int forwarded = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(PcapPackets, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.InRange(forwarded, PcapPackets - 105, PcapPackets - 45); // the 1.5 s on hold (75 packets, give or take the timing of the re-INVITEs) went nowhere
    }

    [Fact]
    public async Task Call_to_the_did_rings_the_inbound_extension_with_media_anchored()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, string regex) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");

        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", phonePort)).ExitCode);
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "101"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", ""));
        Task<Sipp.Result> phone = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", phonePort,
            ["-rtp_echo", "-mp", SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);

        string outside = Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", regex));
        Sipp.Result caller = await Sipp.RunAsync(outside, itsp.Port, "u1", 1, 10, 40, "127.0.0.1", FreePort.Next(),
            ["-s", ItspKamailio.Did, "-mp", SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        Sipp.Result answered = await phone;
        Assert.True(caller.ExitCode == 0, "outside caller: " + caller.Output + pbx.Output + itsp.Output);
        Assert.True(answered.ExitCode == 0, "101: " + answered.Output + pbx.Output);
        await pbx.AssertLogAsync("INVITE from 15559876543 (DID 15551230000) to 101: 1 contact(s)");
        await pbx.AssertLogAsync($"RTP caller->called {PcapPackets}/{PcapPackets} packets (lost 0");
        await pbx.AssertLogAsync($"called->caller {PcapPackets}/{PcapPackets} (lost 0");
    }

    [Fact]
    public async Task Itsp_down_gives_the_phone_503_and_registration_backs_off()
    {
        int dead = FreePort.Next(); // nothing listens: TCP connects are refused at once
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"tcp:127.0.0.1:{dead}", min, max));
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "503")), "914085551212");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        await pbx.AssertLogAsync("answered 503; the phone gets 503");
        await pbx.AssertLogAsync("retrying in 2 s");
        await Eventually.TrueAsync(() => pbx.Output.Contains("retrying in 4 s", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await pbx.AssertLogAsync("retrying in 4 s");
    }

    [Fact]
    public async Task Phone_cancel_reaches_the_itsp_side_and_the_phone_gets_487()
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        Task<Sipp.Result> userC = Sipp.RunAsync("uas-ring-cancelled.xml", 5060, "u1", 1, 10, 30, "127.0.0.1", userCPort, []);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call-cancel.xml", "914085551212");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Sipp.Result cancelled = await userC;
        Assert.True(cancelled.ExitCode == 0, "UserC: " + cancelled.Output + pbx.Output);
        await pbx.AssertLogAsync("ended (cancelled by the caller)");
    }

    [Theory]
    [InlineData("uas-busy.xml", "914085551212", "486")] // the ITSP's busy is the phone's busy
    [InlineData(null, "919005551212", "403")] // barred by the dial plan's '!'
    [InlineData(null, "12345", "404")] // matches no rule and no extension
    public async Task Refusals_reach_the_phone(string? userCScenario, string dialed, string status)
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        Task<Sipp.Result>? userC = userCScenario is null ? null : Sipp.RunAsync(userCScenario, 5060, "u1", 1, 10, 30, "127.0.0.1", userCPort, []);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", status)), dialed);
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        if (userC is not null)
        {
            Assert.Equal(0, (await userC).ExitCode);
        }

        if (status == "403")
        {
            Assert.DoesNotContain("ITSP-OUTBOUND", itsp.Output, StringComparison.Ordinal); // nothing reached the trunk
        }
    }

    [Fact]
    public async Task Media_timeout_hangs_up_both_legs_when_a_phone_vanishes()
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, string regex) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max, mediaTimeout: 3));
        await pbx.AssertLogAsync("Trunk itsp registered");
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "14085551212"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", ""));
        Task<Sipp.Result> userC = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", userCPort,
            ["-rtp_echo", "-mp", SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("trunk-call-silent.xml", ("MEDIA_PORTS", regex)), "914085551212", timeoutSeconds: 40,
            extra: ["-mp", SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Sipp.Result called = await userC;
        Assert.True(called.ExitCode == 0, "UserC: " + called.Output + pbx.Output);
        await pbx.AssertLogAsync("ended (media timeout");
    }

    [Fact]
    public async Task Max_calls_on_the_trunk_gives_503()
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max, maxCalls: 1));
        await pbx.AssertLogAsync("Trunk itsp registered");

        // The first call rings UserC and is held ringing; a second is refused while it lasts; the first is then cancelled.
        Task<Sipp.Result> userC = Sipp.RunAsync("uas-ring-cancelled.xml", 5060, "u1", 1, 10, 30, "127.0.0.1", userCPort, []);
        await Task.Delay(300);
        Task<Sipp.Result> first = pbx.CallAsync(Sipp.Specialise("call-cancel.xml", ("<recv response=\"180\" response_txn=\"invite\"/>",
            "<recv response=\"180\" response_txn=\"invite\"/>\n  <pause milliseconds=\"3000\"/>")), "914085551212");
        await pbx.AssertLogAsync("outbound as 14085551212 through trunk itsp");
        Sipp.Result second = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "503")), "914085551213");
        Assert.True(second.ExitCode == 0, "second: " + second.Output + pbx.Output);
        await pbx.AssertLogAsync("is at MaxCalls (1)");
        Assert.Equal(0, (await first).ExitCode);
        Assert.Equal(0, (await userC).ExitCode);
    }

    [Fact]
    public async Task Invite_for_the_did_from_anywhere_but_the_itsp_must_authenticate()
    {
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(FreePort.Next());
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("101", phonePort)).ExitCode);

        // Straight at Anchor, not through the ITSP's proxy: Anchor asks for credentials, nothing rings.
        string scenario = Sipp.Specialise("invite-refused.xml", ("sip:anchor@", "sip:[service]@"), ("<recv response=\"405\">", "<recv response=\"407\">"),
            ("Allow:[^\\r\\n]*OPTIONS", "Proxy-Authenticate: Digest"));
        Sipp.Result stranger = await Sipp.RunAsync(scenario, pbx.Port, "u1", 1, 10, 20, "127.0.0.1", FreePort.Next(), ["-s", ItspKamailio.Did]);
        Assert.True(stranger.ExitCode == 0, stranger.Output + pbx.Output);
        Assert.DoesNotContain("to 101: 1 contact(s)", pbx.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_media_anchor_always_an_internal_call_is_relayed_too()
    {
        (int min, int max, string regex) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c =>
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Always" });
        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", phonePort)).ExitCode);
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "102"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", ""));
        Task<Sipp.Result> callee = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", phonePort,
            ["-rtp_echo", "-mp", SippMediaPort(max, 0), "-mi", "127.0.0.1"]);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("trunk-call.xml", ("MEDIA_PORTS", regex), ("HOLD_STEPS", "")), "102", timeoutSeconds: 40,
            extra: ["-mp", SippMediaPort(max, 1), "-mi", "127.0.0.1"]);
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True((await callee).ExitCode == 0, pbx.Output);
        await pbx.AssertLogAsync("INVITE from 101 (internal) to 102: 1 contact(s)");
        await pbx.AssertLogAsync($"RTP caller->called {PcapPackets}/{PcapPackets} packets (lost 0");
        await pbx.AssertLogAsync($"called->caller {PcapPackets}/{PcapPackets} (lost 0");
    }

    [Fact]
    public async Task Silent_udp_itsp_gives_the_phone_503_after_the_response_timeout()
    {
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram,
            System.Net.Sockets.ProtocolType.Udp); // bound and never read: a black hole, like an ITSP behind a dead link
        silent.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)silent.LocalEndPoint!).Port;
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Office(c, $"udp:127.0.0.1:{port}", min, max));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "503")), "914085551212");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"503 took {clock.Elapsed}"); // 5 s, not Timer B's 32
        await pbx.AssertLogAsync("within 5 s; the phone gets 503");
    }

    [Fact]
    public async Task Back_to_back_ringing_past_timer_c_is_cancelled_and_the_caller_gets_487()
    {
        (int min, int max, _) = MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(voicemail: false, timerCSeconds: 5, configure: c =>
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Always" });
        int phonePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", phonePort)).ExitCode);
        // The B2BUA's INVITE carries one Via (Anchor's own), where a proxied one carries two.
        string ringing = Sipp.Specialise("uas-ring-cancelled.xml",
            ("<ereg regexp=\"Via: ([^[:cntrl:]]*)[[:space:]]+Via: ([^[:cntrl:]]*)\" search_in=\"msg\" check_it=\"true\" assign_to=\"vias,via1,via2\"/>",
             "<ereg regexp=\"Via: ([^[:cntrl:]]*)\" search_in=\"msg\" check_it=\"true\" assign_to=\"vias,via1\"/>"),
            ("      Via: [$via2]\n", ""));
        Task<Sipp.Result> callee = Sipp.RunAsync(ringing, 5060, "u1", 1, 10, 30, "127.0.0.1", phonePort, []);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync(Sipp.Specialise("call-refused.xml", ("STATUS", "487")), "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True((await callee).ExitCode == 0, pbx.Output);
        await pbx.AssertLogAsync("Timer C: no answer in 00:00:05; cancelling");
    }

    [Fact]
    public async Task Keep_alive_options_keep_the_routers_mapping_toward_the_itsp_open()
    {
        int proxyPort = FreePort.Next();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task<Sipp.Result> proxy = Sipp.RunAsync("uas-options.xml", 5060, "u1", 2, 10, 30, "127.0.0.1", proxyPort, []); // answers two OPTIONS
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => c["Trunks"] = new[]
        {
            new { Name = "itsp", Proxy = $"udp:127.0.0.1:{proxyPort}", Domain = "itsp.test", Username = "anchor1", Password = "trunk-pw-1", Register = false, KeepAliveSeconds = 5 },
        });
        Sipp.Result r = await proxy;
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
        Assert.InRange(clock.Elapsed.TotalSeconds, 8, 20); // the first after 5 s, the second 5 s later
    }

    internal static void Office(Dictionary<string, object?> c, string proxy, int min, int max, int registerExpires = 300, int mediaTimeout = 60,
        int maxCalls = 0, string inbound = "101")
    {
        c["Trunks"] = new[]
        {
            new
            {
                Name = "itsp",
                Proxy = proxy,
                Domain = "itsp.test",
                Username = ItspKamailio.TrunkUser,
                Password = ItspKamailio.TrunkPassword,
                Register = true,
                RegisterExpires = registerExpires,
                Dids = new[] { ItspKamailio.Did },
                Inbound = inbound,
                CallerId = ItspKamailio.Did,
                MaxCalls = maxCalls,
            },
        };
        c["DialPlan"] = new[] { new { Pattern = "(<9:>1900xxxxxxx!|<9:>1xxxxxxxxxx|<9:>011x.)", Trunk = "itsp" } };
        c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Trunk", TimeoutSeconds = mediaTimeout };
    }

    /// <summary>A relay port range of 100 ports for one test, and a regular expression matching its ports.</summary>
    internal static (int Min, int Max, string Regex) MediaRange()
    {
        int block = (Environment.ProcessId % 10 * 10) + (Interlocked.Increment(ref s_range) % 10);
        int min = 20000 + (block * 100);
        return (min, min + 99, min.ToString(CultureInfo.InvariantCulture)[..3] + "[0-9][0-9]");
    }

    /// <summary>
    /// A media port for a SIPp of this test (which binds it and the three above it): taken from the top of the test's own
    /// block, below the ephemeral range, far from the few pairs the relay hands out from the bottom.
    /// </summary>
    internal static string SippMediaPort(int max, int which) => (max - 9 - (which * 10)).ToString(CultureInfo.InvariantCulture);

    private static string Steps(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scenarios", file));
}
