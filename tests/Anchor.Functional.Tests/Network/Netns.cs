using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Anchor.Functional.Tests.Network;

/// <summary>Network namespaces (ip netns): commands in them, programs started in them, sockets made in them.</summary>
internal static partial class Netns
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    /// <summary>Runs <c>ip ARGS</c> (or another program) and throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await p.WaitForExitAsync(cts.Token);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }

    /// <summary>Runs a command inside namespace <paramref name="ns"/>.</summary>
    public static Task<string> ExecAsync(string ns, string file, params string[] args) => RunAsync("ip", ["netns", "exec", ns, file, .. args]);

    /// <summary>A start description for <paramref name="file"/> inside <paramref name="ns"/> (ip netns exec replaces itself with it: the PID is the program's).</summary>
    public static ProcessStartInfo StartInfo(string? ns, string file)
    {
        if (ns is null)
        {
            return new ProcessStartInfo(file);
        }

        var psi = new ProcessStartInfo("ip");
        psi.ArgumentList.Add("netns");
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(ns);
        psi.ArgumentList.Add(file);
        return psi;
    }

    /// <summary>
    /// A socket that lives in namespace <paramref name="ns"/>: made on a thread of its own that enters the namespace and
    /// then ends (a socket keeps the namespace it was made in, whichever thread uses it later).
    /// </summary>
    public static Socket Socket(string? ns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (ns is null)
        {
            return new Socket(family, type, protocol);
        }

        Socket? made = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/var/run/netns", ns));
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                made = new Socket(family, type, protocol);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return made ?? throw new InvalidOperationException("no socket in " + ns, error);
    }
}
