using System.Globalization;
using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests;

/// <summary>
/// Hold on an ITSP call (RTP anchored by Anchor) with music on hold, from either side, SIPp for the signalling and a
/// test socket as the held party's media: what the held party really receives is measured.
/// </summary>
public class MusicOnHoldTests
{
    [Fact]
    public async Task The_callee_held_by_the_caller_hears_music_then_the_caller_again()
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        using var userCMedia = new RtpCapture();

        // UserC's media is the test's socket; 101 plays SIPp's G.711 pcap and holds UserC from 1.5 s to 3 s.
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "14085551212"), ("MEDIA_PORTS", regex),
            ("HOLD_STEPS", Steps("hold-uas.steps")),
            ("m=audio [media_port] RTP/AVP 8", $"m=audio {userCMedia.Port} RTP/AVP 8"));
        Task<Sipp.Result> userC = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", userCPort, []);
        await Task.Delay(300);
        string uac = Sipp.Specialise("trunk-call.xml", ("MEDIA_PORTS", regex), ("HOLD_STEPS", Steps("hold-uac.steps")));
        Sipp.Result caller = await pbx.CallAsync(uac, "914085551212", timeoutSeconds: 40,
            extra: ["-mp", (max - 19).ToString(CultureInfo.InvariantCulture), "-mi", "127.0.0.1"]);
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.True((await userC).ExitCode == 0, pbx.Output);
        await pbx.AssertLogAsync("101 holds itsp: music on hold to itsp");

        IReadOnlyList<RtpCapture.Packet> got = userCMedia.Packets;
        uint pcap = got[0].Ssrc; // what came first is the caller's stream, relayed
        var music = got.Where(p => p.Ssrc != pcap).ToList();
        AssertMusic(music, payloadType: 8, atLeastSeconds: 1.2);
        Assert.All(got.Where(p => p.Ssrc == pcap), p => Assert.True(p.At < music[0].At || p.At > music[^1].At, "no relayed packet while on hold"));
        Assert.True(got.Count(p => p.Ssrc == pcap && p.At > music[^1].At) > 50, "the caller's stream is relayed again after resume");
    }

    [Fact]
    public async Task The_caller_held_by_the_callee_hears_music_through_a_codec_change_and_none_after_resume()
    {
        int userCPort = FreePort.Next();
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(userCPort);
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => TrunkTests.Office(c, $"udp:127.0.0.1:{itsp.Port}", min, max));
        await pbx.AssertLogAsync("Trunk itsp registered");
        using var callerMedia = new RtpCapture();

        // UserC holds 101 (PCMA), re-offers PCMU while holding, then resumes. 101's media is the test's socket.
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "14085551212"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", Steps("uas-holds.steps")));
        Task<Sipp.Result> userC = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", userCPort,
            ["-mp", (max - 9).ToString(CultureInfo.InvariantCulture), "-mi", "127.0.0.1"]);
        await Task.Delay(300);
        string uac = Sipp.Specialise("trunk-call.xml", ("MEDIA_PORTS", regex),
            ("HOLD_STEPS", Steps("uac-held.steps").Replace("RTP_PORT", callerMedia.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)),
            ("<exec play_pcap_audio=\"/usr/share/sip-tester/g711a.pcap\"/>", "<log message=\"no pcap\"/>"),
            ("<pause milliseconds=\"8500\"/>", "<pause milliseconds=\"1000\"/>"),
            ("m=audio [media_port] RTP/AVP 8", $"m=audio {callerMedia.Port} RTP/AVP 8"));
        Sipp.Result caller = await pbx.CallAsync(uac, "914085551212", timeoutSeconds: 40, extra: ["-mi", "127.0.0.1"]);
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Sipp.Result called = await userC;
        Assert.True(called.ExitCode == 0, "UserC: " + called.Output + pbx.Output);
        await pbx.AssertLogAsync("itsp holds 101: music on hold to 101");
        await pbx.AssertLogAsync("resumed: media relayed both ways");

        // UserC sends no RTP at all, so everything 101 received is Anchor's music: PCMA, then PCMU after the re-offer.
        IReadOnlyList<RtpCapture.Packet> got = callerMedia.Packets;
        Assert.Single(got.Select(p => p.Ssrc).Distinct()); // one stream throughout the hold, across the codec change
        var alaw = got.TakeWhile(p => p.PayloadType == 8).ToList();
        var ulaw = got.Skip(alaw.Count).ToList();
        AssertMusic(alaw, payloadType: 8, atLeastSeconds: 1.0);
        AssertMusic(ulaw, payloadType: 0, atLeastSeconds: 1.0);
        Assert.True(ulaw[0].At - alaw[^1].At < TimeSpan.FromMilliseconds(200), "the music went on across the codec change");
        Assert.Equal((ushort)(alaw[^1].Sequence + 1), ulaw[0].Sequence);

        // The PCMU part of the hold lasted 1.5 s; then UserC resumed and 101 stayed on the line for another second:
        // music that went on after the resume would show here.
        Assert.True((ulaw[^1].At - ulaw[0].At).TotalSeconds < 1.9, $"music for {(ulaw[^1].At - ulaw[0].At).TotalSeconds:0.00} s after the codec change");
    }

    [Fact]
    public async Task Baresip_holds_and_resumes_an_anchored_call_and_the_other_side_hears_music_between()
    {
        (int min, int max, string regex) = TrunkTests.MediaRange();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c =>
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Always" });
        using var calleeMedia = new RtpCapture();
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        string uas = Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", "102"), ("MEDIA_PORTS", regex), ("HOLD_STEPS", Steps("hold-uas.steps")),
            ("m=audio [media_port] RTP/AVP 8", $"m=audio {calleeMedia.Port} RTP/AVP 8"));
        Task<Sipp.Result> callee = Sipp.RunAsync(uas, 5060, "u1", 1, 10, 40, "127.0.0.1", calleePort, []);
        await Task.Delay(300);

        await using Baresip phone = await Baresip.StartAsync("101", PbxHost.Passwords["101"], pbx.Port, codecs: "PCMA");
        Assert.True(await phone.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output);
        await phone.CommandAsync("/dial sip:102@pbx.test");
        Assert.True(await phone.WaitForAsync("Call established", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);
        await Task.Delay(1500);
        TimeSpan held = calleeMedia.Now;
        await phone.CommandAsync("/hold");
        await pbx.AssertLogAsync("101 holds 102: music on hold to 102");
        await Task.Delay(2000);
        TimeSpan resumed = calleeMedia.Now;
        await phone.CommandAsync("/resume");
        await pbx.AssertLogAsync("resumed: media relayed both ways");
        await Task.Delay(1500);
        await phone.CommandAsync("/hangup");
        Sipp.Result r = await callee;
        Assert.True(r.ExitCode == 0, "102: " + r.Output + "\nbaresip: " + phone.Output + pbx.Output);

        IReadOnlyList<RtpCapture.Packet> got = calleeMedia.Packets;
        uint baresipSsrc = got[0].Ssrc; // before the hold: baresip's own stream, relayed
        var before = got.Where(p => p.At < held && p.Ssrc == baresipSsrc).ToList();
        var music = got.Where(p => p.Ssrc != baresipSsrc).ToList();
        var after = got.Where(p => p.At > resumed + TimeSpan.FromMilliseconds(300) && p.Ssrc == baresipSsrc).ToList();
        Assert.True(Audio.Share(Audio.Decode(before), 440) > 0.5, "baresip's 440 Hz reached 102 before the hold");
        AssertMusic(music, payloadType: 8, atLeastSeconds: 1.5);
        Assert.True(after.Count > 40, $"{after.Count} packets of baresip's after resume");
        Assert.True(Audio.Share(Audio.Decode(after), 440) > 0.5, "baresip's 440 Hz reached 102 again after resume");
    }

    /// <summary>Music: real sound (not silence), in the expected codec, about 50 packets a second, for long enough.</summary>
    private static void AssertMusic(List<RtpCapture.Packet> packets, int payloadType, double atLeastSeconds)
    {
        Assert.True(packets.Count >= atLeastSeconds * 45, $"{packets.Count} music packets, expected at least {atLeastSeconds * 45}");
        Assert.All(packets, p => Assert.Equal(payloadType, p.PayloadType));

        // About 50 packets a second over the whole hold (as before); the message says how bunched they came, since the
        // engine sends late frames together after a stall (PacingWheel.MaxLateFrames).
        double seconds = (packets[^1].At - packets[0].At).TotalSeconds;
        double rate = (packets.Count - 1) / seconds;
        int bunched = packets.Zip(packets.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).Count(g => g < 5);
        Assert.True(rate is >= 45 and <= 55, $"{rate:0.0} packets/s: {packets.Count} packets in {seconds:0.00} s, {bunched} of them under 5 ms after the one before");
        double level = Audio.Level(Audio.Decode(packets));
        Assert.True(level > 300, $"music level {level:0}: that is silence");
        for (int i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].Sequence + 1), packets[i].Sequence);
            Assert.Equal(packets[i - 1].Timestamp + 160, packets[i].Timestamp);
        }
    }

    private static string Steps(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scenarios", file));
}
