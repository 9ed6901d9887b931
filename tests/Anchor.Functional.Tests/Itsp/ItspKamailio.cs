using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Anchor.Functional.Tests.Itsp;

/// <summary>
/// Kamailio (Debian's kamailio) as the ITSP, started by the test in the foreground with a private runtime folder and
/// stopped by PID: a registrar for the trunk's account and a proxy to "UserC" and to the trunk's contact.
/// </summary>
internal sealed class ItspKamailio : IAsyncDisposable
{
    public const string TrunkUser = "anchor1";
    public const string TrunkPassword = "trunk-secret-4711";
    public const string Did = "15551230000";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _netns;

    private ItspKamailio(Process process, string address, int port, string? netns)
    {
        _process = process;
        Address = address;
        Port = port;
        _netns = netns;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <param name="netns">The Internet's namespace of the NAT tests (Kamailio on <paramref name="address"/>:5060 there); null: loopback.</param>
    public static async Task<ItspKamailio> StartAsync(int userCPort, string address = "127.0.0.1", string? netns = null, string userCAddress = "127.0.0.1")
    {
        string dir = Directory.CreateTempSubdirectory("anchor-itsp-").FullName;
        int port = netns is null ? FreePort.Next() : 5060;
        string cfg = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Itsp", "itsp.cfg")))
            .Replace("USERC_ADDRESS", userCAddress, StringComparison.Ordinal)
            .Replace("ADDRESS", address, StringComparison.Ordinal)
            .Replace("USERC_PORT", userCPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("TRUNK_USER", TrunkUser, StringComparison.Ordinal)
            .Replace("TRUNK_PASSWORD", TrunkPassword, StringComparison.Ordinal)
            .Replace("DID", Did, StringComparison.Ordinal);
        string cfgPath = Path.Combine(dir, "itsp.cfg");
        await File.WriteAllTextAsync(cfgPath, cfg);
        ProcessStartInfo psi = Network.Netns.StartInfo(netns, File.Exists("/usr/sbin/kamailio") ? "/usr/sbin/kamailio" : "kamailio");
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        foreach (string a in new[] { "-DD", "-E", "-Y", dir, "-f", cfgPath })
        {
            psi.ArgumentList.Add(a);
        }

        var k = new ItspKamailio(Process.Start(psi) ?? throw new InvalidOperationException("kamailio did not start"), address, port, netns);
        for (int i = 0; i < 100; i++)
        {
            if (await k.OptionsAsync("ping", TimeSpan.FromMilliseconds(200)) is not null)
            {
                return k;
            }

            if (k._process.HasExited)
            {
                break;
            }
        }

        string output = k.Output;
        await k.DisposeAsync();
        throw new InvalidOperationException("Kamailio did not come up:\n" + output);
    }

    /// <summary>Whether the ITSP's location table holds the trunk's account (asked with an OPTIONS the config answers).</summary>
    public async Task<bool> TrunkRegisteredAsync() => await OptionsAsync("where-is-" + TrunkUser, TimeSpan.FromSeconds(2)) == 200;

    /// <summary>Number of times the output shows <paramref name="text"/>.</summary>
    public int Count(string text)
    {
        string o = Output;
        int n = 0;
        for (int i = o.IndexOf(text, StringComparison.Ordinal); i >= 0; i = o.IndexOf(text, i + text.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private async Task<int?> OptionsAsync(string user, TimeSpan timeout)
    {
        using Socket s = Network.Netns.Socket(_netns, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        IPAddress ip = IPAddress.Parse(Address);
        s.Bind(new IPEndPoint(ip, 0));
        int local = ((IPEndPoint)s.LocalEndPoint!).Port;
        string branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..12];
        string msg = $"OPTIONS sip:{user}@itsp.test SIP/2.0\r\nVia: SIP/2.0/UDP {Address}:{local};branch={branch};rport\r\n" +
            $"Max-Forwards: 70\r\nFrom: <sip:test@{Address}>;tag=t{local}\r\nTo: <sip:{user}@itsp.test>\r\nCall-ID: {branch}\r\n" +
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        await s.SendToAsync(Encoding.ASCII.GetBytes(msg), new IPEndPoint(ip, Port));
        byte[] buf = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
            string text = Encoding.ASCII.GetString(buf, 0, n);
            return text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(text.AsSpan(8, 3), System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
