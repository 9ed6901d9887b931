namespace Anchor.Functional.Tests.Network;

/// <summary>
/// A remote worker's phone behind its home router's NAT registers to the office's public address: its calls with the
/// LAN are anchored by Media:Anchor = Auto (the default) and have audio both ways; LAN-to-LAN calls stay direct.
/// </summary>
public class RemoteWorkerTests
{
    [SkippableFact]
    public async Task The_home_phone_calls_101_and_is_called_by_it_with_audio_both_ways_and_lan_calls_stay_direct()
    {
        string? why = await OfficeNetwork.UnavailableAsync();
        Skip.If(why is not null, why);
        await using OfficeNetwork net = await OfficeNetwork.CreateAsync();
        await using Capture home = await Capture.StartAsync(net.Home, "eth0", "udp or tcp");
        await using Capture lan = await Capture.StartAsync(net.Lan, "lo", "udp");
        // SIPp answers no keep-alive OPTIONS: the phones' are 5 minutes apart here (the baresip test proves them).
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Lab.Office(c, sipKeepAliveSeconds: 300), address: OfficeNetwork.AnchorLan, netns: net.Lan);
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan);
        await Lab.RegisterAsync(net.Home, OfficeNetwork.HomePhone, "103", OfficeNetwork.OfficePublic);
        await pbx.AssertLogAsync($"103 registered sip:103@{OfficeNetwork.HomePhone}:5060;transport=UDP from udp:{OfficeNetwork.HomePublic}:");

        // 103 (home) calls 101 (LAN): each is offered Anchor at the address it can reach.
        Task<Sipp.Result> callee = Lab.EchoingCalleeAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan, Lab.RelayPorts, OfficeNetwork.AnchorLan);
        await Task.Delay(300);
        Sipp.Result caller = await Lab.PhoneAsync(net.Home, OfficeNetwork.HomePhone, Sipp.Specialise("media-caller.xml", ("MEDIA_PORTS", Lab.RelayPorts)),
            OfficeNetwork.OfficePublic, ["-s", "101", "-set", "me", "103", "-au", "103", "-ap", PbxHost.Passwords["103"]]);
        Sipp.Result answered = await callee;
        Assert.True(caller.ExitCode == 0, "103 at home: " + caller.Output + pbx.Output);
        Assert.True(answered.ExitCode == 0, "101: " + answered.Output + pbx.Output);
        await Eventually.TrueAsync(() => Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) >= 1, TimeSpan.FromSeconds(5));
        Assert.True(Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) == 1, "RTP of 103 -> 101:\n" + pbx.Output);

        // 101 calls 103: 103 is offered the office's public address, and its media latches through the home NAT.
        await Lab.RegisterAsync(net.Home, OfficeNetwork.HomePhone, "103", OfficeNetwork.OfficePublic);
        Task<Sipp.Result> remote = Lab.PhoneAsync(net.Home, OfficeNetwork.HomePhone,
            Sipp.Specialise("uas-plays.xml", ("MEDIA_PORTS", Lab.RelayPorts), ("EXPECTED_C", Lab.Regex(OfficeNetwork.OfficePublic))), OfficeNetwork.OfficePublic, []);
        await Task.Delay(300);
        Sipp.Result dialling = await Lab.LanCallAsync(net.Lan, "103", OfficeNetwork.AnchorLan, Lab.RelayPorts);
        Sipp.Result remoteAnswered = await remote;
        Assert.True(dialling.ExitCode == 0, "101: " + dialling.Output + pbx.Output);
        Assert.True(remoteAnswered.ExitCode == 0, "103 at home: " + remoteAnswered.Output + pbx.Output);
        await Eventually.TrueAsync(() => Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) >= 2, TimeSpan.FromSeconds(5));
        Assert.True(Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) == 2, "RTP of 101 -> 103:\n" + pbx.Output);

        // 101 calls 102, both on the LAN: not anchored, each is given the other's own address.
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone102, "102", OfficeNetwork.AnchorLan);
        Task<Sipp.Result> colleague = Lab.EchoingCalleeAsync(net.Lan, OfficeNetwork.Phone102, "102", OfficeNetwork.Phone101, "6000", OfficeNetwork.AnchorLan);
        await Task.Delay(300);
        Sipp.Result direct = await Lab.LanCallAsync(net.Lan, "102", OfficeNetwork.Phone102, "6000");
        Assert.True(direct.ExitCode == 0, "101 -> 102: " + direct.Output + pbx.Output);
        Assert.True((await colleague).ExitCode == 0, "102: " + pbx.Output);
        Assert.Equal(2, Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets)); // the LAN call has no relay counters

        // What reached the home phone: the audio of both calls (through its NAT), never a LAN address.
        byte[] atHome = await home.StopAsync();
        byte[] onLan = await lan.StopAsync();
        int toHome = Capture.UdpTo(atHome, OfficeNetwork.HomePhone, Lab.PhoneMediaPort);
        int to101 = Capture.UdpTo(onLan, OfficeNetwork.Phone101, Lab.PhoneMediaPort);
        Assert.True(toHome >= 2 * Lab.PcapPackets - 10, $"the home phone received {toHome} RTP packets over two calls");
        Assert.True(to101 >= 3 * Lab.PcapPackets - 10, $"101 received {to101} RTP packets over three calls");
        Lab.NoLanAddressIn(atHome, "received at home");
        Assert.NotEmpty(Capture.Containing(atHome, $"c=IN IP4 {OfficeNetwork.OfficePublic}"));
    }
}
