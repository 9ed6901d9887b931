using System.Buffers.Binary;
using System.Globalization;

namespace Anchor.Functional.Tests;

/// <summary>
/// The echo test (*43), Anchor's first application: what the caller sends comes back; and the keys a caller presses,
/// on every payload type SIPp and phones use (SIPp's pcaps on 101, its play_dtmf on 96, 102 from the test), and in SIP INFO.
/// </summary>
public class EchoAndDtmfTests
{
    private static Task<PbxHost> StartAsync()
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        return PbxHost.StartAsync(configure: c => c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Trunk" });
    }

    private static string Scenario(string rtpPort, string formats, string attrs, string steps, int pauseMs) =>
        Sipp.Specialise("media-call.xml", ("RTP_PORT", rtpPort), ("FORMATS", formats), ("ATTRS", attrs), ("STEPS", steps),
            ("PAUSE_MS", pauseMs.ToString(CultureInfo.InvariantCulture)));

    [Fact]
    public async Task Star_43_plays_back_what_the_caller_sends()
    {
        await using PbxHost pbx = await StartAsync();
        using var media = new RtpCapture();
        string work = Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        string scenario = Scenario(media.Port.ToString(CultureInfo.InvariantCulture), "0 101",
            "a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15", "", pauseMs: 5000);
        Task<Sipp.Result> call = Sipp.RunAsync(scenario, pbx.Port, "u1", 1, 10, 30, "127.0.0.1", FreePort.Next(),
            ["-s", "*43", "-au", "101", "-ap", PbxHost.Passwords["101"], "-trace_logs"], work);
        int relay = int.Parse(await Sipp.WaitForLogAsync(work, "RELAY", TimeSpan.FromSeconds(10)), CultureInfo.InvariantCulture);

        // A key cuts the spoken introduction short; then the beep; once Anchor has gone quiet (the beep is over and
        // it echoes), a 1 kHz tone for 2 s goes out and must come back.
        media.Send(Event(101, 1, 800, 1), relay);
        await Task.Delay(600);
        for (int i = 0; i < 50 && (media.Packets.Count == 0 || media.Now - media.Packets[^1].At < TimeSpan.FromMilliseconds(300)); i++)
        {
            await Task.Delay(100);
        }

        TimeSpan toneStart = media.Now;
        var tone = Enumerable.Range(0, 100).Select(i => Audio.ToneMuLaw(1000, 160, i * 160)).ToList();
        await media.SendStreamAsync(relay, 0, tone);
        await Task.Delay(200);
        Sipp.Result r = await call;
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);

        var echoed = media.Packets.Where(p => p.At > toneStart && p.PayloadType == 0).ToList();
        var sent = tone.Select(Convert.ToBase64String).ToHashSet();
        int exact = echoed.Count(p => sent.Contains(Convert.ToBase64String(p.Payload)));
        Assert.True(exact >= 90, $"{exact} of 100 packets came back as they were sent (of {echoed.Count} received)");
        short[] heard = Audio.Decode(echoed);
        Assert.True(Audio.Share(heard, 1000) > 0.8, $"1 kHz share {Audio.Share(heard, 1000):0.00}");
        Assert.NotEqual(0x5151u, echoed[0].Ssrc); // Anchor's own stream, not the caller's packets bounced
        await pbx.AssertLogAsync("DTMF 1 from 101 (RFC 4733)");
        await pbx.AssertLogAsync("to *43: Echo");
    }

    [Fact]
    public async Task Keys_from_sipp_pcaps_on_payload_type_101_are_heard()
    {
        await using PbxHost pbx = await StartAsync();
        string steps = """
              <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_1.pcap"/></action></nop>
              <pause milliseconds="600"/>
              <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_pound.pcap"/></action></nop>
            """;
        Sipp.Result r = await pbx.CallAsync(Scenario("[media_port]", "0 101", "a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15", steps, 1500), "*43");
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
        await pbx.AssertLogAsync("DTMF 1 from 101 (RFC 4733)");
        await pbx.AssertLogAsync("DTMF # from 101 (RFC 4733)");
        Assert.Equal(2, Count(pbx.Output, "DTMF ")); // once per key press, whatever the repeated end packets
    }

    [Fact]
    public async Task Keys_from_sipp_play_dtmf_on_payload_type_96_are_heard()
    {
        await using PbxHost pbx = await StartAsync();
        string steps = """
              <nop><action><exec play_dtmf="369"/></action></nop>
              <pause milliseconds="1500"/>
            """;
        Sipp.Result r = await pbx.CallAsync(Scenario("[media_port]", "0 96", "a=rtpmap:0 PCMU/8000\na=rtpmap:96 telephone-event/8000\na=fmtp:96 0-15", steps, 500), "*43");
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
        foreach (char k in "369")
        {
            await pbx.AssertLogAsync($"DTMF {k} from 101 (RFC 4733)");
        }

        Assert.Equal(3, Count(pbx.Output, "DTMF "));
    }

    [Fact]
    public async Task Keys_on_payload_type_102_and_in_sip_info_are_heard()
    {
        await using PbxHost pbx = await StartAsync();
        using var media = new RtpCapture();
        string work = Directory.CreateTempSubdirectory("anchor-sipp-").FullName;
        string info = """
              <pause milliseconds="1500"/>
              <send retrans="500">
                <![CDATA[
                  INFO [next_url] SIP/2.0
                  Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                  From: "Alice" <sip:101@pbx.test>;tag=[call_number]m
                  To:[$anchor_to]
                  [routes]
                  Call-ID: [call_id]
                  CSeq: 3 INFO
                  Max-Forwards: 70
                  Content-Type: application/dtmf-relay
                  Content-Length: [len]

                  Signal=5
                  Duration=160
                ]]>
              </send>
              <recv response="200"/>
            """;
        string scenario = Scenario(media.Port.ToString(CultureInfo.InvariantCulture), "8 102",
            "a=rtpmap:8 PCMA/8000\na=rtpmap:102 telephone-event/8000\na=fmtp:102 0-15", info, 500);
        Task<Sipp.Result> call = Sipp.RunAsync(scenario, pbx.Port, "u1", 1, 10, 30, "127.0.0.1", FreePort.Next(),
            ["-s", "*43", "-au", "101", "-ap", PbxHost.Passwords["101"], "-trace_logs"], work);
        int relay = int.Parse(await Sipp.WaitForLogAsync(work, "RELAY", TimeSpan.FromSeconds(10)), CultureInfo.InvariantCulture);
        for (int i = 0; i < 6; i++)
        {
            media.Send(Event(102, (ushort)(50 + i), 4000, 7, end: i >= 3, duration: Math.Min(i + 1, 4) * 160), relay);
            await Task.Delay(20);
        }

        Sipp.Result r = await call;
        Assert.True(r.ExitCode == 0, r.Output + pbx.Output);
        await pbx.AssertLogAsync("DTMF 7 from 101 (RFC 4733)");
        await pbx.AssertLogAsync("DTMF 5 from 101 (SIP INFO)");
    }

    [Fact]
    public async Task Baresip_keys_reach_the_echo_test()
    {
        await using PbxHost pbx = await StartAsync();
        await using Baresip phone = await Baresip.StartAsync("101", PbxHost.Passwords["101"], pbx.Port);
        Assert.True(await phone.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output);
        await phone.CommandAsync("/dial sip:*43@pbx.test");
        Assert.True(await phone.WaitForAsync("Call established", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);
        await Task.Delay(500);
        await phone.CommandAsync("/sndcode 58");
        await pbx.AssertLogAsync("DTMF 5 from 101 (RFC 4733)");
        await pbx.AssertLogAsync("DTMF 8 from 101 (RFC 4733)");
        await phone.CommandAsync("/hangup");
        await pbx.AssertLogAsync("ended (BYE from the caller)");
    }

    private static byte[] Event(int pt, ushort seq, uint ts, int code, bool end = true, int duration = 800)
    {
        byte[] p = new byte[16];
        p[0] = 0x80;
        p[1] = (byte)pt;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), ts);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), 0x5151);
        p[12] = (byte)code;
        p[13] = (byte)((end ? 0x80 : 0) | 10);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(14), (ushort)duration);
        return p;
    }

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
