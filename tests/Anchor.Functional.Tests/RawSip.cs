using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Anchor.Functional.Tests;

/// <summary>A UDP socket that sends hand-written SIP and reads what comes back: an attacker, or a phone that only listens.</summary>
internal sealed class RawSip : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public RawSip(string address = "127.0.0.1", int port = 0)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Parse(address), port));
        Local = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint Local { get; }

    /// <summary>"ip:port" of this socket, for Via and Contact.</summary>
    public string HostPort => Local.ToString();

    public Task SendAsync(string message, int port, string address = "127.0.0.1") =>
        _socket.SendToAsync(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")), new IPEndPoint(IPAddress.Parse(address), port));

    /// <summary>The next datagram, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan timeout)
    {
        byte[] buf = new byte[65535];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int n = await _socket.ReceiveAsync(buf, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buf, 0, n);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The status of the first final response for <paramref name="callId"/>, or 0 when none came within the timeout.</summary>
    public async Task<int> FinalStatusAsync(string callId, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            string? m = await ReceiveAsync(end - DateTime.UtcNow);
            if (m is null)
            {
                break;
            }

            if (m.StartsWith("SIP/2.0 ", StringComparison.Ordinal) && m.Contains("Call-ID: " + callId, StringComparison.OrdinalIgnoreCase))
            {
                int status = int.Parse(m.AsSpan(8, 3), CultureInfo.InvariantCulture);
                if (status >= 200)
                {
                    return status;
                }
            }
        }

        return 0;
    }

    public void Dispose() => _socket.Dispose();
}
