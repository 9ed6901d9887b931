using System.Globalization;

namespace Anchor.Functional.Tests.Network;

/// <summary>
/// The seed's Figure 2 in network namespaces: the office LAN (Anchor and two phones) behind the office router's NAT with
/// the port forwards an SPA9000 admin sets (SIP and the media range to Anchor), the Internet (the ITSP and UserC), and a
/// home router with a NAT of its own for a remote worker's phone. Documentation and benchmarking ranges only, all inside
/// the namespaces: nothing is added to the host's own namespace, nothing is routed outside. Both routers masquerade with
/// random source ports (as many home routers do), and keep a UDP mapping only <see cref="UdpTimeoutSeconds"/> seconds.
/// </summary>
internal sealed class OfficeNetwork : IAsyncDisposable
{
    public const string AnchorLan = "198.18.0.10";
    public const string Phone101 = "198.18.0.11";
    public const string Phone102 = "198.18.0.12";
    public const string LanPrefix = "198.18.0.";
    public const string OfficePublic = "198.51.100.1";
    public const string Itsp = "203.0.113.10";
    public const string UserC = "203.0.113.20";
    public const string HomePublic = "203.0.113.129";
    public const string HomePhone = "198.19.0.50";
    public const int MediaMin = 30000;
    public const int MediaMax = 30199;
    public const int UdpTimeoutSeconds = 20;

    private const string Prefix = "anchorlab";
    private static int s_count;
    private static readonly SemaphoreSlim Leftovers = new(1, 1);
    private static bool s_cleaned;

    private readonly List<string> _namespaces = [];

    private OfficeNetwork(string name)
    {
        Lan = name + "-lan";
        OfficeRouter = name + "-orouter";
        Internet = name + "-inet";
        HomeRouter = name + "-hrouter";
        Home = name + "-home";
    }

    /// <summary>The office LAN's namespace: Anchor (198.18.0.10) and phones 101 (.11) and 102 (.12).</summary>
    public string Lan { get; }

    public string OfficeRouter { get; }

    /// <summary>The Internet's namespace: the ITSP (203.0.113.10) and UserC (203.0.113.20); it routes between the two routers.</summary>
    public string Internet { get; }

    public string HomeRouter { get; }

    /// <summary>The remote worker's home LAN: its phone at 198.19.0.50.</summary>
    public string Home { get; }

    private static readonly Lazy<Task<string?>> Probe = new(ProbeAsync);

    /// <summary>Why the namespaces cannot be made here (not Linux, not root, a tool missing, the kernel refuses), or null when they can.</summary>
    public static Task<string?> UnavailableAsync() => Probe.Value;

    private static async Task<string?> ProbeAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (Environment.UserName != "root")
        {
            return "network namespaces need root (CI runs as root)";
        }

        foreach (string tool in new[] { "ip", "nft", "dumpcap" })
        {
            if (!new[] { "/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/" }.Any(d => File.Exists(d + tool)))
            {
                return tool + " is missing (scripts/setup.sh installs iproute2, nftables and tshark)";
            }
        }

        string name = $"{Prefix}{Environment.ProcessId}probe";
        try
        {
            await Netns.RunAsync("ip", "netns", "add", name);
            await Netns.ExecAsync(name, "nft", "add", "table", "ip", "probe");
            return null;
        }
        catch (InvalidOperationException e)
        {
            return "this machine cannot make a network namespace with nftables: " + e.Message;
        }
        finally
        {
            try
            {
                await Netns.RunAsync("ip", "netns", "del", name);
            }
            catch (InvalidOperationException)
            {
                // it was never made
            }
        }
    }

    public static async Task<OfficeNetwork> CreateAsync()
    {
        await CleanLeftoversAsync();
        var net = new OfficeNetwork($"{Prefix}{Environment.ProcessId}x{Interlocked.Increment(ref s_count)}");
        try
        {
            await net.BuildAsync();
            return net;
        }
        catch
        {
            await net.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        foreach (string ns in new[] { Lan, OfficeRouter, Internet, HomeRouter, Home })
        {
            await Netns.RunAsync("ip", "netns", "add", ns);
            _namespaces.Add(ns);
            await Netns.RunAsync("ip", "-n", ns, "link", "set", "lo", "up");
        }

        await LinkAsync(Lan, "eth0", OfficeRouter, "lan");
        await LinkAsync(OfficeRouter, "wan", Internet, "office");
        await LinkAsync(Internet, "home", HomeRouter, "wan");
        await LinkAsync(HomeRouter, "lan", Home, "eth0");

        await AddressAsync(Lan, "eth0", "198.18.0.10/24", "198.18.0.11/24", "198.18.0.12/24");
        await AddressAsync(OfficeRouter, "lan", "198.18.0.1/24");
        await AddressAsync(OfficeRouter, "wan", "198.51.100.1/24");
        await AddressAsync(Internet, "office", "198.51.100.254/24");
        await AddressAsync(Internet, "home", "203.0.113.254/25");
        await AddressAsync(Internet, "lo", "203.0.113.10/32", "203.0.113.20/32");
        await AddressAsync(HomeRouter, "wan", "203.0.113.129/25");
        await AddressAsync(HomeRouter, "lan", "198.19.0.1/24");
        await AddressAsync(Home, "eth0", "198.19.0.50/24");

        await Netns.RunAsync("ip", "-n", Lan, "route", "add", "default", "via", "198.18.0.1");
        await Netns.RunAsync("ip", "-n", OfficeRouter, "route", "add", "default", "via", "198.51.100.254");
        await Netns.RunAsync("ip", "-n", HomeRouter, "route", "add", "default", "via", "203.0.113.254");
        await Netns.RunAsync("ip", "-n", Home, "route", "add", "default", "via", "198.19.0.1");
        // The Internet has no default route: nothing leaves the lab.

        foreach (string router in new[] { OfficeRouter, Internet, HomeRouter })
        {
            await Netns.ExecAsync(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        }

        string media = $"{MediaMin}-{MediaMax}";
        await NftAsync(OfficeRouter, RouterRules($$"""
              chain pre {
                type nat hook prerouting priority dstnat; policy accept;
                iifname "wan" udp dport 5060 dnat to {{AnchorLan}}
                iifname "wan" tcp dport 5060 dnat to {{AnchorLan}}
                iifname "wan" udp dport {{media}} dnat to {{AnchorLan}}
              }
            """, forwarded: "ct status dnat accept"));
        await NftAsync(HomeRouter, RouterRules("", forwarded: ""));
        foreach (string router in new[] { OfficeRouter, HomeRouter })
        {
            string t = UdpTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
            await Netns.ExecAsync(router, "sysctl", "-qw", $"net.netfilter.nf_conntrack_udp_timeout={t}", $"net.netfilter.nf_conntrack_udp_timeout_stream={t}");
        }
    }

    /// <summary>
    /// A home or office router: the LAN masqueraded to the WAN with random source ports, nothing in from the WAN but
    /// replies (and what <paramref name="forwarded"/> lets through: the port forwards <paramref name="prerouting"/> makes).
    /// </summary>
    private static string RouterRules(string prerouting, string forwarded) => $$"""
        table ip nat {
        {{prerouting}}
          chain post {
            type nat hook postrouting priority srcnat; policy accept;
            oifname "wan" masquerade random
          }
        }
        table ip filter {
          chain forward {
            type filter hook forward priority filter; policy drop;
            ct state established,related accept
            iifname "lan" oifname "wan" accept
            {{forwarded}}
          }
        }
        """;

    private static async Task LinkAsync(string nsA, string a, string nsB, string b)
    {
        // Both ends are made directly inside their namespaces: nothing ever appears in the host's.
        await Netns.RunAsync("ip", "link", "add", a, "netns", nsA, "type", "veth", "peer", "name", b, "netns", nsB);
        await Netns.RunAsync("ip", "-n", nsA, "link", "set", a, "up");
        await Netns.RunAsync("ip", "-n", nsB, "link", "set", b, "up");
    }

    private static async Task AddressAsync(string ns, string dev, params string[] cidrs)
    {
        foreach (string cidr in cidrs)
        {
            await Netns.RunAsync("ip", "-n", ns, "addr", "add", cidr, "dev", dev);
        }
    }

    private static async Task NftAsync(string ns, string ruleset)
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("anchor-nft-").FullName, "rules.nft");
        await File.WriteAllTextAsync(file, ruleset);
        await Netns.ExecAsync(ns, "nft", "-f", file);
    }

    /// <summary>Namespaces a killed run left behind (their process is gone), removed by name before the first lab is built.</summary>
    private static async Task CleanLeftoversAsync()
    {
        await Leftovers.WaitAsync();
        try
        {
            if (s_cleaned)
            {
                return;
            }

            s_cleaned = true;
            string list = await Netns.RunAsync("ip", "netns", "list");
            foreach (string line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string name = line.Split(' ')[0];
                if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                string pid = new(name[Prefix.Length..].TakeWhile(char.IsDigit).ToArray());
                if (pid.Length > 0 && !Directory.Exists("/proc/" + pid))
                {
                    await Netns.RunAsync("ip", "netns", "del", name);
                }
            }
        }
        finally
        {
            Leftovers.Release();
        }
    }

    /// <summary>Removes every namespace (their veths and rules go with them); the programs in them are stopped by their owners first.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (string ns in Enumerable.Reverse(_namespaces))
        {
            try
            {
                await Netns.RunAsync("ip", "netns", "del", ns);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
    }
}
