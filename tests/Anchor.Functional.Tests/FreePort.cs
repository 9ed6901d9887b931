using System.Net;
using System.Net.Sockets;

namespace Anchor.Functional.Tests;

/// <summary>A loopback port free on both UDP and TCP right now (the OS picks it; tests in parallel never share one).</summary>
internal static class FreePort
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 50; attempt++)
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
                try
                {
                    using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                }
                catch (SocketException)
                {
                    continue;
                }

                if (Handed.Add(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException("No free loopback port");
        }
    }
}
