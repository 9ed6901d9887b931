using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Anchor.Functional.Tests;

/// <summary>
/// The defences of docs/security.md against real attack tools (sipvicious svwar and svcrack, SIPp floods) and against
/// faults (SIGKILL, a soak of malformed input). Attackers use other loopback addresses (127.0.0.x) than the phones.
/// </summary>
public class SecurityTests
{
    [Theory]
    [InlineData("REGISTER")]
    [InlineData("INVITE")]
    [InlineData("OPTIONS")]
    public async Task Svwar_cannot_tell_extensions_from_non_extensions(string method)
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        Tool r = await RunAsync("svwar", 60, "-e100-110", "-m", method, "-p", pbx.Port.ToString(CultureInfo.InvariantCulture),
            "-P", FreePort.Next().ToString(CultureInfo.InvariantCulture), "127.0.0.1");

        // svwar first probes a random name; when that gets the same challenge as everyone it gives up ("found nothing"),
        // otherwise it lists every extension whose answer differs. Either way, none of the office's may appear.
        Assert.True(r.Output.Contains("found nothing", StringComparison.Ordinal) || r.Output.Contains("| Extension", StringComparison.Ordinal), r.Output);
        foreach (string ext in new[] { "101", "102", "103" })
        {
            Assert.DoesNotMatch($@"\|\s*{ext}\s*\|", r.Output);
        }

        Assert.DoesNotContain("banned", pbx.Output, StringComparison.Ordinal); // a sweep of 11 names is no brute force
    }

    [Fact]
    public async Task Svcrack_finds_a_password_with_a_correct_digest_but_is_banned_at_the_threshold()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        string dir = Directory.CreateTempSubdirectory("anchor-crack-").FullName;
        string right = PbxHost.Passwords["101"];
        string port = pbx.Port.ToString(CultureInfo.InvariantCulture);

        // First: svcrack's digest works against Anchor (the right password first is found), so the ban below is real.
        string one = Path.Combine(dir, "one.txt");
        await File.WriteAllTextAsync(one, right + "\n");
        Tool found = await RunAsync("svcrack", 60, "-u", "101", "-d", one, "-p", port, "-P", FreePort.Next().ToString(CultureInfo.InvariantCulture), "127.0.0.1");
        Assert.Contains(right, found.Output, StringComparison.Ordinal);

        // Then the brute force (svcrack sends from 127.0.0.1 whatever -b says): 25 wrong passwords, then the right one.
        // Banned at the 10th failure: the right password never gets a hearing.
        string many = Path.Combine(dir, "many.txt");
        await File.WriteAllLinesAsync(many, Enumerable.Range(0, 25).Select(i => $"wrong-{i:00}").Append(right));
        Tool crack = await RunAsync("svcrack", 90, "-u", "101", "-d", many, "-p", port, "-P", FreePort.Next().ToString(CultureInfo.InvariantCulture), "127.0.0.1");
        Assert.DoesNotContain(right, crack.Output, StringComparison.Ordinal);
        Assert.Contains("found nothing", crack.Output, StringComparison.Ordinal);
        await pbx.AssertLogAsync("Security: banned 127.0.0.1 for 900 s (offence 1): 10 failed authentications in a minute (user 101)");
        Assert.Equal(10, Count(pbx.Output, "REGISTER authentication failed for 101 from 127.0.0.1"));

        // The phone itself, at its own address, registers and is not affected.
        Sipp.Result phone = await pbx.RegisterAsync("101", FreePort.Next(), sourceIp: "127.0.0.2");
        Assert.True(phone.ExitCode == 0, phone.Output + pbx.Output);
    }

    [Fact]
    public async Task A_flood_from_one_address_is_cut_off_while_phones_keep_registering_and_calling()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);

        // 5,000 OPTIONS a second from 127.0.0.7 for three seconds (SIPp takes the last -i given).
        Task<Sipp.Result> flood = Sipp.RunAsync("options.xml", pbx.Port, "u1", 15_000, 5_000, 8, "127.0.0.1", FreePort.Next(),
            ["-i", "127.0.0.7", "-recv_timeout", "2000"]);
        await Task.Delay(1000);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.Equal(0, (await callee).ExitCode);
        Assert.Equal(0, (await pbx.RegisterAsync("103", FreePort.Next())).ExitCode);
        await flood;
        await pbx.AssertLogAsync("Security: banned 127.0.0.7 for 900 s (offence 1): more than 250 requests/s");
    }

    [Fact]
    public async Task A_registration_survives_kill_9()
    {
        await using PbxHost pbx = await PbxHost.StartAsync();
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        await pbx.KillAndRestartAsync(); // the 200 was sent: the binding must be on disk
        await pbx.AssertLogAsync("Location service loaded 1 bindings");
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.Equal(0, (await callee).ExitCode);
    }

    [Fact]
    public async Task Soak_of_malformed_input_over_udp_and_tcp_leaves_anchor_serving_with_bounded_memory()
    {
        // The rate limit is lifted here: this test is about what the parser and transports survive, not about floods.
        // The GC heap is capped at 64 MB: anything that kept what it was sent would run into the cap within these rounds
        // (RSS alone is a poor witness: the GC grows its heap in steps and gives memory back late).
        await using PbxHost pbx = await PbxHost.StartAsync(
            configure: c => c["Security"] = new { RequestsPerSecondPerSource = 1_000_000 },
            environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x4000000" });
        int calleePort = FreePort.Next();
        Assert.Equal(0, (await pbx.RegisterAsync("102", calleePort)).ExitCode);
        long before = pbx.ResidentKb();
        var rng = new Random(4475);
        var target = new IPEndPoint(IPAddress.Loopback, pbx.Port);
        var slow = new List<Socket>();
        var rss = new List<long>();
        for (int round = 0; round < 4; round++)
        {
            await SoakAsync(rng, target, slow); // 16,000 malformed datagrams and 1,200 TCP connections in all
            rss.Add(pbx.ResidentKb());
        }

        Console.WriteLine($"soak RSS: {before} kB, after each round {string.Join(", ", rss)} kB");

        // Still answering, still completing calls.
        Sipp.Result options = await Sipp.RunAsync("options.xml", pbx.Port, "u1", 10, 10, 20);
        Assert.True(options.ExitCode == 0, options.Output + pbx.Output);
        // sipsak's OPTIONS (exit 0 on a 200); its URI parser keeps only four digits of a port, hence -r.
        Tool ping = await RunAsync("sipsak", 20, "-s", "sip:ping@127.0.0.1", "-r", pbx.Port.ToString(CultureInfo.InvariantCulture));
        Assert.True(ping.ExitCode == 0, ping.Output);
        Task<Sipp.Result> callee = PbxHost.CalleeAsync("uas-answer.xml", calleePort);
        await Task.Delay(300);
        Sipp.Result caller = await pbx.CallAsync("call.xml", "102");
        Assert.True(caller.ExitCode == 0, "caller: " + caller.Output + pbx.Output);
        Assert.Equal(0, (await callee).ExitCode);

        slow.ForEach(s => s.Dispose());
        Assert.True(rss.Max() < 256 * 1024, $"RSS after the rounds: {string.Join(", ", rss)} kB");
        Assert.DoesNotContain("Unhandled exception", pbx.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", pbx.Output, StringComparison.Ordinal);
    }

    /// <summary>One round: 4,000 malformed datagrams, then 300 TCP connections (garbage, or a message begun and left hanging).</summary>
    private static async Task SoakAsync(Random rng, IPEndPoint target, List<Socket> slow)
    {

        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            for (int i = 0; i < 4000; i++)
            {
                byte[] m = Malformed.Next(rng, i);
                await udp.SendToAsync(m.Length > 65000 ? m[..65000] : m, target);
                if (i % 200 == 0)
                {
                    await Task.Delay(5); // let the socket buffer drain now and then
                }
            }
        }

        // TCP: garbage on fresh connections, and slowloris connections that begin a message and never finish it.
        for (int i = 0; i < 300; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await s.ConnectAsync(target);
            if (i % 3 == 0)
            {
                await s.SendAsync(Encoding.ASCII.GetBytes("INVITE sip:101@pbx.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKslow\r\n"));
                slow.Add(s);
            }
            else
            {
                try
                {
                    await s.SendAsync(Malformed.Next(rng, i));
                    await s.SendAsync(Encoding.ASCII.GetBytes("\r\n\r\n"));
                }
                catch (SocketException)
                {
                    // Anchor may close a connection after a message it cannot frame: that is the point.
                }

                s.Dispose();
            }
        }
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

    private sealed record Tool(int ExitCode, string Output);

    /// <summary>Runs a command-line tool (sipvicious, sipsak), bounded in time.</summary>
    private static async Task<Tool> RunAsync(string tool, int timeoutSeconds, params string[] args)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.CreateTempSubdirectory("anchor-sv-").FullName,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException(tool + " did not start");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
        }

        return new Tool(p.HasExited ? p.ExitCode : -1, await stdout + await stderr);
    }
}

/// <summary>Malformed SIP of the kinds scanners and broken devices send, generated from a seed.</summary>
internal static class Malformed
{
    private const string Invite =
        "INVITE sip:102@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK{0}\r\nMax-Forwards: 70\r\n" +
        "From: <sip:101@pbx.test>;tag={0}\r\nTo: <sip:102@pbx.test>\r\nCall-ID: {0}@soak\r\nCSeq: 1 INVITE\r\n" +
        "Contact: <sip:101@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n";

    public static byte[] Next(Random rng, int i)
    {
        string id = "soak" + i.ToString(CultureInfo.InvariantCulture);
        string valid = Invite.Replace("{0}", id, StringComparison.Ordinal);
        switch (i % 12)
        {
            case 0:
                return Encoding.ASCII.GetBytes(valid[..rng.Next(1, valid.Length)]); // truncated
            case 1:
                return Encoding.ASCII.GetBytes(valid.Replace("Subject", "", StringComparison.Ordinal).Insert(valid.IndexOf("Max-Forwards", StringComparison.Ordinal),
                    "X-Huge: " + new string('a', rng.Next(10_000, 60_000)) + "\r\n")); // oversize header
            case 2:
                return Encoding.ASCII.GetBytes(valid.Replace("Content-Length: 4", "Content-Length: -" + rng.Next(1, 99999), StringComparison.Ordinal));
            case 3:
                return Encoding.ASCII.GetBytes(valid.Replace("CSeq: 1", "CSeq: 99999999999999999999", StringComparison.Ordinal));
            case 4:
            {
                byte[] b = Encoding.ASCII.GetBytes(valid);
                for (int k = 0; k < 5; k++)
                {
                    b[rng.Next(b.Length)] = k % 2 == 0 ? (byte)0 : (byte)0xC3; // NULs and broken UTF-8
                }

                return b;
            }

            case 5:
                return Encoding.ASCII.GetBytes(valid.Replace($"Call-ID: {id}@soak\r\n", "", StringComparison.Ordinal)); // mandatory header missing
            case 6:
                return Encoding.ASCII.GetBytes(valid.Replace("Via:", string.Concat(Enumerable.Repeat("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\n", 300)) + "Via:",
                    StringComparison.Ordinal)); // hundreds of Vias
            case 7:
                return Encoding.ASCII.GetBytes(valid.Replace("Content-Length: 4", "Content-Length: 4000", StringComparison.Ordinal)); // wrong length
            case 8:
                return Encoding.ASCII.GetBytes($"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK{id}\r\nFrom: <sip:a@b>;tag=1\r\n" +
                    $"To: <sip:c@d>;tag=2\r\nCall-ID: {id}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"); // a response nobody asked for
            case 9:
            {
                byte[] b = new byte[rng.Next(1, 1500)];
                rng.NextBytes(b);
                return b; // noise
            }

            case 10:
                return Encoding.ASCII.GetBytes(valid.Replace("SIP/2.0\r\n", "SIP/7.0\r\n", StringComparison.Ordinal).Replace("INVITE sip:", "INV\tITE sip:", StringComparison.Ordinal));
            default:
                return Encoding.ASCII.GetBytes(valid.Replace("To: <sip:102@pbx.test>", "To: <sip:102@pbx.test;;;>>;tag=", StringComparison.Ordinal)
                    .Replace("Max-Forwards: 70", "Max-Forwards: -1", StringComparison.Ordinal));
        }
    }
}
