using System.Diagnostics;
using System.Text;

namespace Anchor.Functional.Tests.Network;

/// <summary>dumpcap (Debian tshark) on an interface of a namespace, into a pcap file: what really crossed the wire.</summary>
internal sealed class Capture : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private byte[]? _pcap;

    private Capture(Process process, string file)
    {
        _process = process;
        File = file;
    }

    public string File { get; }

    /// <param name="filter">A capture filter (BPF), e.g. <c>udp and dst host 198.19.0.50 and dst port 6000</c>.</param>
    public static async Task<Capture> StartAsync(string ns, string iface, string filter)
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("anchor-pcap-").FullName, iface + ".pcap");
        ProcessStartInfo psi = Netns.StartInfo(ns, "dumpcap");
        foreach (string a in new[] { "-q", "-P", "-i", iface, "-f", filter, "-w", file })
        {
            psi.ArgumentList.Add(a);
        }

        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        psi.UseShellExecute = false;
        var c = new Capture(Process.Start(psi) ?? throw new InvalidOperationException("dumpcap did not start"), file);
        c._process.ErrorDataReceived += (_, e) =>
        {
            lock (c._errors)
            {
                c._errors.AppendLine(e.Data);
            }
        };
        c._process.BeginErrorReadLine();
        c._process.BeginOutputReadLine();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            lock (c._errors)
            {
                if (c._errors.ToString().Contains("Capturing on", StringComparison.Ordinal))
                {
                    return c;
                }
            }

            if (c._process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        string why;
        lock (c._errors)
        {
            why = c._errors.ToString();
        }

        await c.DisposeAsync();
        throw new InvalidOperationException("dumpcap did not start capturing: " + why);
    }

    /// <summary>Stops the capture (SIGTERM: dumpcap writes what it has) and keeps the file's bytes.</summary>
    public async Task<byte[]> StopAsync()
    {
        if (_pcap is not null)
        {
            return _pcap;
        }

        await Task.Delay(300); // the last packets of the exchange that just ended
        if (!_process.HasExited)
        {
            using (Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _pcap = System.IO.File.Exists(File) ? await System.IO.File.ReadAllBytesAsync(File) : [];
        return _pcap;
    }

    /// <summary>The packets captured (records of the classic pcap file).</summary>
    public static IReadOnlyList<byte[]> Packets(byte[] pcap)
    {
        var packets = new List<byte[]>();
        if (pcap.Length < 24)
        {
            return packets;
        }

        bool swapped = BitConverter.ToUInt32(pcap, 0) is 0xd4c3b2a1 or 0x4d3cb2a1;
        for (int at = 24; at + 16 <= pcap.Length;)
        {
            uint length = BitConverter.ToUInt32(pcap, at + 8);
            if (swapped)
            {
                length = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(length);
            }

            at += 16;
            if (at + length > pcap.Length)
            {
                break;
            }

            packets.Add(pcap.AsSpan(at, (int)length).ToArray());
            at += (int)length;
        }

        return packets;
    }

    /// <summary>How many captured UDP datagrams went to <paramref name="ip"/>:<paramref name="port"/> (Ethernet or Linux "any" captures).</summary>
    public static int UdpTo(byte[] pcap, string ip, int port) => UdpTo(pcap, ip, p => p == port);

    /// <summary>How many captured UDP datagrams went to <paramref name="ip"/> on a port <paramref name="port"/> accepts.</summary>
    public static int UdpTo(byte[] pcap, string ip, Func<int, bool> port)
    {
        if (pcap.Length < 24)
        {
            return 0;
        }

        uint linkType = BitConverter.ToUInt32(pcap, 20);
        int linkHeader = linkType == 113 ? 16 : 14; // LINUX_SLL ("any") or Ethernet
        byte[] address = System.Net.IPAddress.Parse(ip).GetAddressBytes();
        int n = 0;
        foreach (byte[] p in Packets(pcap))
        {
            if (p.Length < linkHeader + 28 || p[linkHeader] >> 4 != 4 || p[linkHeader + 9] != 17)
            {
                continue;
            }

            int udp = linkHeader + ((p[linkHeader] & 0x0f) * 4);
            if (p.AsSpan(linkHeader + 16, 4).SequenceEqual(address) && p.Length >= udp + 8 && port((p[udp + 2] << 8) | p[udp + 3]))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The packets whose bytes contain <paramref name="text"/> (ASCII), as text, for an assertion's message.</summary>
    public static IReadOnlyList<string> Containing(byte[] pcap, string text)
    {
        byte[] needle = Encoding.ASCII.GetBytes(text);
        return Packets(pcap).Where(p => p.AsSpan().IndexOf(needle) >= 0).Select(p => Encoding.ASCII.GetString(p)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
