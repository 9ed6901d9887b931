using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests.Network;

/// <summary>
/// Figure 2 for real: Anchor on the office LAN behind the router's NAT (random source ports, UDP mappings kept 20 s), the
/// Kamailio ITSP (also the STUN server Anchor asks for the public address) and UserC on the Internet. Everything the Internet receives is captured and searched for a LAN address.
/// </summary>
public class TrunkBehindNatTests
{
    [SkippableFact]
    public async Task Trunk_registers_through_the_router_calls_go_both_ways_and_the_did_still_rings_after_an_idle_minute()
    {
        string? why = await OfficeNetwork.UnavailableAsync();
        Skip.If(why is not null, why);
        await using OfficeNetwork net = await OfficeNetwork.CreateAsync();
        await using Capture internet = await Capture.StartAsync(net.Internet, "any", "udp or tcp");
        await using ItspKamailio itsp = await ItspKamailio.StartAsync(5060, OfficeNetwork.Itsp, net.Internet, OfficeNetwork.UserC);
        await using PbxHost pbx = await PbxHost.StartAsync(configure: c => Lab.Office(c, sipKeepAliveSeconds: 300, externalAddress: $"stun:{OfficeNetwork.Itsp}:5060"), address: OfficeNetwork.AnchorLan, netns: net.Lan);

        // Anchor asks the ITSP's STUN (Kamailio's, on its SIP port) for the office's public address before the trunk registers.
        await pbx.AssertLogAsync($"External address {OfficeNetwork.OfficePublic} (STUN {OfficeNetwork.Itsp}:5060; was none)");

        // The ITSP sees the trunk come from the router's public address (a port the router chose), and keeps that.
        await pbx.AssertLogAsync($"Trunk itsp registered to udp:{OfficeNetwork.Itsp}:5060");
        Assert.True(await itsp.TrunkRegisteredAsync(), itsp.Output);
        Assert.Contains($"ITSP-SAVED {ItspKamailio.TrunkUser} expires=600 from {OfficeNetwork.OfficePublic}:", itsp.Output, StringComparison.Ordinal);
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan);

        // 101 calls UserC: UserC is offered the public address and a forwarded port, 101 the LAN address.
        Task<Sipp.Result> userC = Lab.EchoingCalleeAsync(net.Internet, OfficeNetwork.UserC, "14085551212", OfficeNetwork.OfficePublic, Lab.RelayPorts, OfficeNetwork.Itsp);
        await Task.Delay(300);
        Sipp.Result caller = await Lab.LanCallAsync(net.Lan, "914085551212", OfficeNetwork.AnchorLan, Lab.RelayPorts);
        Sipp.Result called = await userC;
        Assert.True(caller.ExitCode == 0, "101: " + caller.Output + pbx.Output + itsp.Output);
        Assert.True(called.ExitCode == 0, "UserC: " + called.Output + pbx.Output);
        await pbx.AssertLogAsync("outbound as 14085551212 through trunk itsp");
        await Eventually.TrueAsync(() => Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) >= 1, TimeSpan.FromSeconds(5));
        Assert.True(Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) == 1, "RTP of the outbound call:\n" + pbx.Output);

        // A minute with no call: three times the router's UDP timeout. Only the trunk's keep-alives hold the mapping the
        // ITSP knows; without them the DID's INVITE would die at the router.
        // (SIPp answers no keep-alive OPTIONS, so the phones' are 5 minutes apart here and 101 registers again, on the LAN.)
        await Task.Delay(TimeSpan.FromSeconds(OfficeNetwork.UdpTimeoutSeconds * 3));
        await Lab.RegisterAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan);
        Task<Sipp.Result> phone = Lab.EchoingCalleeAsync(net.Lan, OfficeNetwork.Phone101, "101", OfficeNetwork.AnchorLan, Lab.RelayPorts, OfficeNetwork.AnchorLan);
        await Task.Delay(300);
        Sipp.Result outside = await Lab.PhoneAsync(net.Internet, OfficeNetwork.UserC, Sipp.Specialise("outside-call.xml", ("MEDIA_PORTS", Lab.RelayPorts)),
            OfficeNetwork.Itsp, ["-s", ItspKamailio.Did]);
        Sipp.Result answered = await phone;
        Assert.True(outside.ExitCode == 0, "UserC calling the DID after the idle minute: " + outside.Output + pbx.Output + itsp.Output);
        Assert.True(answered.ExitCode == 0, "101: " + answered.Output + pbx.Output);
        await pbx.AssertLogAsync($"INVITE from 15559876543 (DID {ItspKamailio.Did}) to 101: 1 contact(s)");
        await Eventually.TrueAsync(() => Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) >= 2, TimeSpan.FromSeconds(5));
        Assert.True(Lab.FullCalls(pbx.Output, Lab.PcapPackets, Lab.PcapPackets) == 2, "RTP of the inbound call:\n" + pbx.Output);
        Assert.True(itsp.Count("ITSP-REQUEST OPTIONS") + itsp.Count("ITSP-REQUEST REGISTER") >= 4, "the trunk's keep-alives:\n" + itsp.Output);

        // Nothing the Internet received names the LAN: not a Via, a Contact, an SDP c= or o= line.
        byte[] seen = await internet.StopAsync();
        Assert.True(Capture.Packets(seen).Count > 500, $"the capture saw {Capture.Packets(seen).Count} packets");
        Lab.NoLanAddressIn(seen, "seen on the Internet");
        Assert.NotEmpty(Capture.Containing(seen, $"c=IN IP4 {OfficeNetwork.OfficePublic}"));
    }
}
