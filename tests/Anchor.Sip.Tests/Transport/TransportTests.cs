using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Tests.Transport;

/// <summary>The transports over real loopback sockets: framing, keep-alives, limits, reuse.</summary>
public sealed class TransportTests : IAsyncLifetime
{
    private readonly Sink _sink = new();
    private SipTransportLayer _layer = null!;
    private IPEndPoint _udp = null!;
    private IPEndPoint _tcp = null!;

    private static readonly SipTransportOptions Options = new();

    public Task InitializeAsync()
    {
        _layer = new SipTransportLayer(Options);
        _layer.Start(
        [
            new SipEndPoint(TransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 0)),
            new SipEndPoint(TransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, 0)),
        ], _sink);
        _udp = _layer.LocalEndPoints.First(e => e.Transport == TransportKind.Udp).EndPoint;
        _tcp = _layer.LocalEndPoints.First(e => e.Transport == TransportKind.Tcp).EndPoint;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _layer.DisposeAsync();

    private static string Options_(string branch, string transport = "UDP", string body = "") =>
        $"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:9;branch=z9hG4bK{branch};rport\r\n" +
        "To: <sip:a@127.0.0.1>\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nCall-ID: c" + branch + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n" +
        $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    private Task<Socket> ConnectAsync() => ConnectAsync(_tcp);

    private static async Task<Socket> ConnectAsync(IPEndPoint to)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(to);
        return s;
    }

    private static async Task<string> ReceiveAsync(Socket s, TimeSpan timeout)
    {
        var buf = new byte[65536];
        using var cts = new CancellationTokenSource(timeout);
        int n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    [Fact]
    public async Task Udp_datagram_reaches_the_sink_with_its_source()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendToAsync(Encoding.UTF8.GetBytes(Options_("u1")), _udp);
        (SipMessage m, ReceivedFrom from) = await _sink.NextAsync();
        Assert.Equal(SipMethod.Options, m.Method);
        Assert.Equal(TransportKind.Udp, from.Transport);
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, from.Remote.Port);
    }

    [Fact]
    public async Task Malformed_udp_request_is_answered_400_to_its_source()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string bad = Options_("u2").Replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", StringComparison.Ordinal);
        await client.SendToAsync(Encoding.UTF8.GetBytes(bad), _udp);
        var buf = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        SocketReceiveFromResult r = await client.ReceiveFromAsync(buf, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        string resp = Encoding.UTF8.GetString(buf, 0, r.ReceivedBytes);
        Assert.StartsWith("SIP/2.0 400 Bad Request (CSeq method does not match request method)\r\n", resp, StringComparison.Ordinal);
        Assert.Equal(1, _layer.MalformedCount);
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public async Task Tcp_keepalive_ping_gets_a_pong()
    {
        using Socket s = await ConnectAsync();
        await s.SendAsync("\r\n\r\n"u8.ToArray());
        Assert.Equal("\r\n", await ReceiveAsync(s, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Tcp_pipelined_and_split_messages_are_framed_by_content_length()
    {
        using Socket s = await ConnectAsync();
        byte[] two = Encoding.UTF8.GetBytes(Options_("t1", "TCP", "hello") + Options_("t2", "TCP", "world!"));
        await s.SendAsync(two);
        byte[] third = Encoding.UTF8.GetBytes(Options_("t3", "TCP", "split body"));
        for (int i = 0; i < third.Length; i += 7)
        {
            await s.SendAsync(third.AsMemory(i, Math.Min(7, third.Length - i)));
        }

        var bodies = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            (SipMessage m, ReceivedFrom from) = await _sink.NextAsync();
            Assert.Equal(TransportKind.Tcp, from.Transport);
            bodies.Add(Encoding.UTF8.GetString(m.BodySpan));
        }

        Assert.Equal(["hello", "world!", "split body"], bodies);
    }

    [Fact]
    public async Task Tcp_response_goes_back_over_the_same_connection()
    {
        using Socket s = await ConnectAsync();
        await s.SendAsync(Encoding.UTF8.GetBytes(Options_("t4", "TCP")));
        (SipMessage m, ReceivedFrom from) = await _sink.NextAsync();
        byte[] resp = SipResponseBuilder.Build(m, 200, "OK", from, "x");
        Assert.True(await _layer.SendAsync(resp, new SipEndPoint(TransportKind.Tcp, from.Remote)));
        Assert.StartsWith("SIP/2.0 200 OK", await ReceiveAsync(s, TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
        Assert.Equal(1, _layer.TcpConnectionCount);
    }

    [Fact]
    public async Task Tcp_framing_error_closes_the_connection()
    {
        using Socket s = await ConnectAsync();
        string noLength = Options_("t5", "TCP").Replace("Content-Length: 0\r\n", "", StringComparison.Ordinal);
        await s.SendAsync(Encoding.UTF8.GetBytes(noLength));
        string reply = await ReceiveAsync(s, TimeSpan.FromSeconds(5));
        Assert.StartsWith("SIP/2.0 400", reply, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await ReceiveAsync(s, TimeSpan.FromSeconds(5))); // closed
    }

    [Fact]
    public async Task Tcp_slowloris_peer_is_disconnected()
    {
        var sink = new Sink();
        await using var layer = new SipTransportLayer(new SipTransportOptions { TcpMessageTimeout = TimeSpan.FromSeconds(1) });
        layer.Start([new SipEndPoint(TransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, 0))], sink);
        using Socket s = await ConnectAsync(layer.LocalEndPoints[0].EndPoint);
        await s.SendAsync("OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9\r\n"u8.ToArray());
        // The message never completes: after TcpMessageTimeout (1 s here; the heartbeat ticks every second) the connection goes.
        Assert.Equal(string.Empty, await ReceiveAsync(s, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, sink.Count);

        // The socket closes before the connection leaves the table (its loop finishes on another thread): wait a little.
        for (int i = 0; i < 40 && layer.TcpConnectionCount != 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, layer.TcpConnectionCount);
    }

    [Fact]
    public async Task Tcp_message_over_the_size_limit_is_refused()
    {
        using Socket s = await ConnectAsync();
        string huge = Options_("t6", "TCP").Replace("Content-Length: 0", "Content-Length: 10000000", StringComparison.Ordinal);
        await s.SendAsync(Encoding.UTF8.GetBytes(huge));
        string reply = await ReceiveAsync(s, TimeSpan.FromSeconds(5));
        Assert.True(reply.Length == 0 || reply.StartsWith("SIP/2.0 400", StringComparison.Ordinal), reply);
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public async Task Outbound_tcp_connects_and_later_requests_reuse_it()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var dest = new SipEndPoint(TransportKind.Tcp, (IPEndPoint)listener.LocalEndPoint!);
        Assert.True(await _layer.SendAsync(Encoding.UTF8.GetBytes(Options_("o1", "TCP")), dest));
        using Socket peer = await listener.AcceptAsync();
        Assert.True(await _layer.SendAsync(Encoding.UTF8.GetBytes(Options_("o2", "TCP")), dest));
        string got = "";
        while (got.Split("OPTIONS sip:").Length < 3)
        {
            got += await ReceiveAsync(peer, TimeSpan.FromSeconds(5));
        }

        Assert.Equal(1, _layer.TcpConnectionCount);
    }

    [Fact]
    public async Task Tcp_connect_to_a_dead_peer_fails_cleanly()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        Assert.False(await _layer.SendAsync(Encoding.UTF8.GetBytes(Options_("d1", "TCP")), new SipEndPoint(TransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, port))));
    }

    [Fact]
    public async Task Ipv6_udp_and_tcp_listen_and_receive()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return;
        }

        var sink = new Sink();
        await using var layer = new SipTransportLayer();
        layer.Start(
        [
            SipEndPoint.Parse("udp:[::1]:0"),
            SipEndPoint.Parse("tcp:[::1]:0"),
        ], sink);
        IPEndPoint udp = layer.LocalEndPoints.First(e => e.Transport == TransportKind.Udp).EndPoint;
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        string msg = Options_("v6").Replace("127.0.0.1:9", "[::1]:9", StringComparison.Ordinal);
        await client.SendToAsync(Encoding.UTF8.GetBytes(msg), udp);
        (SipMessage m, ReceivedFrom from) = await sink.NextAsync();
        Assert.Equal("[::1]", m.TopVia.HostString);
        Assert.Equal(AddressFamily.InterNetworkV6, from.Remote.AddressFamily);
    }

    [Fact]
    public void Listen_addresses_parse_and_bad_ones_say_why()
    {
        Assert.Equal("udp:127.0.0.1:5060", SipEndPoint.Parse("udp:127.0.0.1:5060").ToString());
        Assert.Equal("tcp:[::1]:5060", SipEndPoint.Parse("tcp:[::1]:5060").ToString());
        Assert.False(SipEndPoint.TryParse("tls:127.0.0.1:5061", out _, out string? e1));
        Assert.Contains("udp or tcp", e1, StringComparison.Ordinal);
        Assert.False(SipEndPoint.TryParse("udp:::1:5060", out _, out _));
        Assert.False(SipEndPoint.TryParse("udp:127.0.0.1:99999", out _, out _));
    }

    private sealed class Sink : ISipMessageSink
    {
        private readonly BlockingCollection<(SipMessage, ReceivedFrom)> _queue = new();

        public int Count => _queue.Count;

        public void OnMessage(SipMessage message, ReceivedFrom from) => _queue.Add((message, from));

        public Task<(SipMessage, ReceivedFrom)> NextAsync() => Task.Run(() =>
            _queue.TryTake(out var item, TimeSpan.FromSeconds(5)) ? item : throw new TimeoutException("no message"));
    }
}
