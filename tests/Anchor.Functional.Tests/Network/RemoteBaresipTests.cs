namespace Anchor.Functional.Tests.Network;

/// <summary>
/// baresip as the remote worker's phone behind the home NAT (whose UDP mappings last 20 s): Anchor's keep-alives
/// (Sip:KeepAliveSeconds = 15) hold the mapping, so a call from the LAN a minute later still reaches it, with audio both ways.
/// </summary>
public class RemoteBaresipTests
{
    [SkippableFact]
    public async Task Keepalives_hold_the_home_nat_open_and_a_call_a_minute_later_reaches_baresip()
    {
        string? why = await OfficeNetwork.UnavailableAsync();
        Skip.If(why is not null, why);
        await using OfficeNetwork net = await OfficeNetwork.CreateAsync();
        await using Capture home = await Capture.StartAsync(net.Home, "eth0", "udp");
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Lab.Office(c, sipKeepAliveSeconds: 15), address: OfficeNetwork.AnchorLan, netns: net.Lan);
        await using Baresip phone = await Baresip.StartAsync("103", PbxHost.Passwords["103"], 5060, codecs: "PCMA", autoAnswer: true, netns: net.Home,
            ip: OfficeNetwork.HomePhone, anchorHost: OfficeNetwork.OfficePublic, quitAfterSeconds: 150);
        Assert.True(await phone.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);
        await pbx.AssertLogAsync($"@{OfficeNetwork.HomePhone}:5060 from udp:{OfficeNetwork.HomePublic}:"); // its Contact, and where it really is
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan);

        // Three of the home router's UDP timeouts with no call and no re-REGISTER (baresip's is 10 minutes away).
        await Task.Delay(TimeSpan.FromSeconds(OfficeNetwork.UdpTimeoutSeconds * 3));
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan); // SIPp answers no keep-alive
        Sipp.Result call = await Lab.LanCallAsync(net.Lan, "103", OfficeNetwork.AnchorLan, Lab.RelayPorts);
        Assert.True(call.ExitCode == 0, "101 -> baresip: " + call.Output + pbx.Output + "\nbaresip: " + phone.Output);
        Assert.DoesNotContain("of 103 dropped", pbx.Output, StringComparison.Ordinal);

        // Audio both ways: all of 101's packets relayed, and baresip's tone relayed back (it sends 50 packets/s while up).
        await pbx.AssertLogAsync($"RTP caller->called {Lab.PcapPackets}/{Lab.PcapPackets} packets (lost 0");
        var m = System.Text.RegularExpressions.Regex.Match(pbx.Output, @"called->caller (\d+)/(\d+) \(lost (\d+)");
        Assert.True(m.Success && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 300, "baresip's audio:\n" + pbx.Output);
        byte[] atHome = await home.StopAsync();
        int rtp = Capture.UdpTo(atHome, OfficeNetwork.HomePhone, port => port != 5060);
        Assert.True(rtp >= Lab.PcapPackets - 5, $"baresip received {rtp} RTP packets");
        Lab.NoLanAddressIn(atHome, "received at home");
    }

    [SkippableFact]
    public async Task Over_tcp_through_the_home_nat_the_call_comes_down_the_phones_own_connection()
    {
        string? why = await OfficeNetwork.UnavailableAsync();
        Skip.If(why is not null, why);
        await using OfficeNetwork net = await OfficeNetwork.CreateAsync();
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Lab.Office(c, sipKeepAliveSeconds: 15), address: OfficeNetwork.AnchorLan, netns: net.Lan);
        await using Baresip phone = await Baresip.StartAsync("103", PbxHost.Passwords["103"], 5060, codecs: "PCMA", autoAnswer: true, netns: net.Home,
            ip: OfficeNetwork.HomePhone, anchorHost: OfficeNetwork.OfficePublic, transport: "tcp");
        Assert.True(await phone.WaitForAsync("200 OK", TimeSpan.FromSeconds(10)), "baresip: " + phone.Output + pbx.Output);
        await pbx.AssertLogAsync($"from tcp:{OfficeNetwork.HomePublic}:");

        // The home router lets no connection in: the INVITE can only come down the one baresip opened.
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan);
        Sipp.Result call = await Lab.LanCallAsync(net.Lan, "103", OfficeNetwork.AnchorLan, Lab.RelayPorts);
        Assert.True(call.ExitCode == 0, "101 -> baresip over TCP: " + call.Output + pbx.Output + "\nbaresip: " + phone.Output);
        await pbx.AssertLogAsync($"RTP caller->called {Lab.PcapPackets}/{Lab.PcapPackets} packets (lost 0");
        var m = System.Text.RegularExpressions.Regex.Match(pbx.Output, @"called->caller (\d+)/(\d+) \(lost");
        Assert.True(m.Success && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 300, "baresip's audio:\n" + pbx.Output);
    }
}
