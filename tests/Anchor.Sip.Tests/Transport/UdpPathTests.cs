using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Tests.Transport;

/// <summary>Both UDP receive paths (recvmmsg batches on Linux, one ReceiveFrom per datagram elsewhere) over real loopback sockets.</summary>
public sealed class UdpPathTests
{
    private static string Options(string branch) =>
        $"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{branch};rport\r\n" +
        "To: <sip:a@127.0.0.1>\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nCall-ID: c" + branch + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_burst_from_several_sources_arrives_whole_with_each_source(bool fastPath)
    {
        var sink = new Sink();
        await using var layer = new SipTransportLayer(new SipTransportOptions { UdpFastPath = fastPath });
        layer.Start([new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 0))], sink);
        IPEndPoint to = layer.LocalEndPoints[0].EndPoint;
        var clients = Enumerable.Range(0, 3).Select(_ =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return s;
        }).ToArray();
        try
        {
            // 300 datagrams, interleaved between three sources, faster than one at a time: batches of several.
            for (int i = 0; i < 300; i++)
            {
                clients[i % 3].SendTo(Encoding.UTF8.GetBytes(Options($"b{i}")), to);
            }

            var seen = new Dictionary<string, int>();
            for (int i = 0; i < 300; i++)
            {
                (SipMessage m, ReceivedFrom from) = await sink.NextAsync();
                string callId = m.CallIdString;
                int n = int.Parse(callId[2..], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(((IPEndPoint)clients[n % 3].LocalEndPoint!).Port, from.Remote.Port); // each with its own source
                seen[callId] = n;
            }

            Assert.Equal(300, seen.Count);
        }
        finally
        {
            foreach (Socket s in clients)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_datagram_larger_than_any_sip_message_is_dropped_and_the_next_one_read()
    {
        var sink = new Sink();
        await using var layer = new SipTransportLayer(new SipTransportOptions());
        layer.Start([new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 0))], sink);
        IPEndPoint to = layer.LocalEndPoints[0].EndPoint;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.SendTo(new byte[65000], to); // not SIP: answered nothing, and the loop goes on
        client.SendTo(Encoding.UTF8.GetBytes(Options("after")), to);
        (SipMessage m, _) = await sink.NextAsync();
        Assert.Equal("cafter", m.CallIdString);
    }

    private sealed class Sink : ISipMessageSink
    {
        private readonly BlockingCollection<(SipMessage, ReceivedFrom)> _queue = new();

        public void OnMessage(SipMessage message, ReceivedFrom from) => _queue.Add((message, from));

        public Task<(SipMessage, ReceivedFrom)> NextAsync() => Task.Run(() =>
            _queue.TryTake(out var item, TimeSpan.FromSeconds(5)) ? item : throw new TimeoutException("no message"));
    }
}
