using System.Net.Sockets;
using Xunit;

namespace Anchor.Media.Tests;

/// <summary>What the media tests' loopback sockets need: a bounded receive, and waiting for the engine thread to catch up.</summary>
internal static class Loopback
{
    public static async Task<byte[]> ReceiveAsync(Socket s)
    {
        byte[] buf = new byte[2048];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        int n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
        return buf[..n];
    }

    public static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
