using Anchor.Functional.Tests.Itsp;

namespace Anchor.Functional.Tests.Network;

/// <summary>What the NAT tests share: Anchor's configuration as the office's admin writes it, and phones run by SIPp in the lab.</summary>
internal static class Lab
{
    public const int PhoneMediaPort = 6000;

    /// <summary>The relay's ports as the office router forwards them (a regular expression for SIPp's checks).</summary>
    public const string RelayPorts = "30[01][0-9][0-9]";

    /// <summary>The G.711 pcap SIPp plays: 236 packets over 7 s.</summary>
    public const int PcapPackets = TrunkTests.PcapPackets;

    /// <summary>
    /// Anchor behind the office router: Sip:ExternalAddress the router's public address, the LAN in Sip:LocalNetworks, the
    /// relay on the forwarded ports, Media:Anchor left at its default (Auto), the trunk kept open every 15 s (the SPA9000's
    /// NAT Keep Alive).
    /// </summary>
    /// <param name="externalAddress">Sip:ExternalAddress: the router's public address, or <c>stun:HOST:PORT</c> to ask for it.</param>
    public static void Office(Dictionary<string, object?> c, int sipKeepAliveSeconds, string externalAddress = OfficeNetwork.OfficePublic)
    {
        c["Sip"] = new
        {
            Domain = "pbx.test",
            Listen = new[] { $"udp:{OfficeNetwork.AnchorLan}:5060", $"tcp:{OfficeNetwork.AnchorLan}:5060" },
            KeepAliveSeconds = sipKeepAliveSeconds,
            ExternalAddress = externalAddress,
            LocalNetworks = new[] { "198.18.0.0/24" },
        };
        c["Trunks"] = new[]
        {
            new
            {
                Name = "itsp",
                Proxy = $"udp:{OfficeNetwork.Itsp}:5060",
                Domain = "itsp.test",
                Username = ItspKamailio.TrunkUser,
                Password = ItspKamailio.TrunkPassword,
                Register = true,
                RegisterExpires = 600,
                KeepAliveSeconds = 15,
                Dids = new[] { ItspKamailio.Did },
                Inbound = "101",
                CallerId = ItspKamailio.Did,
            },
        };
        c["DialPlan"] = new[] { new { Pattern = "(<9:>1xxxxxxxxxx)", Trunk = "itsp" } };
        c["Media"] = new { Address = OfficeNetwork.AnchorLan, PortRange = $"{OfficeNetwork.MediaMin}-{OfficeNetwork.MediaMax}" };
    }

    /// <summary>SIPp as a phone at <paramref name="ip"/>:5060 in namespace <paramref name="ns"/>, its media at <see cref="PhoneMediaPort"/>.</summary>
    public static Task<Sipp.Result> PhoneAsync(string ns, string ip, string scenario, string target, IEnumerable<string> extra, int timeoutSeconds = 40) =>
        Sipp.RunAsync(scenario, 5060, "u1", 1, 10, timeoutSeconds, target, 5060,
            ["-mi", ip, "-mp", PhoneMediaPort.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra], netns: ns, localIp: ip);

    /// <summary>Registers extension <paramref name="number"/> from <paramref name="ip"/>:5060 to <paramref name="target"/> (Anchor, or the office's public address).</summary>
    public static async Task RegisterAsync(string ns, string ip, string number, string target)
    {
        Sipp.Result r = await Sipp.RunAsync("register.xml", 5060, "u1", 1, 10, 20, target, 5060,
            ["-s", number, "-au", number, "-ap", PbxHost.Passwords[number], "-set", "expires", "3600", "-set", "contact_port", "5060"], netns: ns, localIp: ip);
        Assert.True(r.ExitCode == 0, $"{number} did not register: {r.Output}");
    }

    /// <summary>101 (or another LAN phone's scenario) calling <paramref name="number"/>; the 200's SDP must say <paramref name="expectedC"/> and a port of <paramref name="ports"/>.</summary>
    public static Task<Sipp.Result> LanCallAsync(string ns, string number, string expectedC, string ports) =>
        PhoneAsync(ns, OfficeNetwork.Phone101, Sipp.Specialise("trunk-call.xml", ("MEDIA_PORTS", ports), ("HOLD_STEPS", ""), ("127\\.0\\.0\\.1", Regex(expectedC))),
            OfficeNetwork.AnchorLan, ["-s", number, "-au", "101", "-ap", PbxHost.Passwords["101"]]);

    /// <summary>A called phone that echoes: the INVITE's SDP must say <paramref name="expectedC"/> and a port of <paramref name="ports"/>.</summary>
    public static Task<Sipp.Result> EchoingCalleeAsync(string ns, string ip, string user, string expectedC, string ports, string target) =>
        PhoneAsync(ns, ip, Sipp.Specialise("uas-media.xml", ("EXPECTED_USER", user), ("MEDIA_PORTS", ports), ("HOLD_STEPS", ""), ("127\\.0\\.0\\.1", Regex(expectedC))),
            target, ["-rtp_echo"]);

    public static string Regex(string address) => address.Replace(".", "\\.", StringComparison.Ordinal);

    /// <summary>How many times Anchor logged a call whose RTP went all the way both ways (every packet relayed, none lost).</summary>
    public static int FullCalls(string log, int fromCaller, int fromCalled) =>
        System.Text.RegularExpressions.Regex.Count(log, $@"RTP caller->called {fromCaller}/{fromCaller} packets \(lost 0[^)]*\), called->caller {fromCalled}/{fromCalled}");

    public static void NoLanAddressIn(byte[] pcap, string where)
    {
        IReadOnlyList<string> leaks = Capture.Containing(pcap, OfficeNetwork.LanPrefix);
        Assert.True(leaks.Count == 0, $"{leaks.Count} packet(s) {where} carried a LAN address ({OfficeNetwork.LanPrefix}x); the first:\n{(leaks.Count > 0 ? leaks[0] : "")}");
    }
}
