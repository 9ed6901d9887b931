using System.Net;
using System.Net.Sockets;

namespace Anchor.Functional.Tests;

/// <summary>A loopback port free on both UDP and TCP right now (the OS picks it; tests in parallel never share one).</summary>
internal static class FreePort
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Handed = [];

    public static int Next() => Next(1);

    /// <summary>
    /// The first of <paramref name="count"/> consecutive free ports (baresip binds its SIP port and, for TLS, the one
    /// above it, whatever its transports say).
    /// </summary>
    public static int Next(int count)
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 100; attempt++)
            {
                int port;
                using (var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
                {
                    tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
                }

                if (port + count - 1 > 65535 || !Enumerable.Range(port, count).All(p => !Handed.Contains(p) && IsFree(p)))
                {
                    continue;
                }

                for (int p = port; p < port + count; p++)
                {
                    Handed.Add(p);
                }

                return port;
            }

            throw new InvalidOperationException("No free loopback port");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
