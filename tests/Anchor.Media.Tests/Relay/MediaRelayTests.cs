using System.Net;
using System.Net.Sockets;
using System.Text;
using Anchor.Media.Relay;
using Anchor.Media.Sdp;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Anchor.Media.Tests.Relay;

/// <summary>The relay over loopback with plain UDP sockets as the two parties.</summary>
public sealed class MediaRelayTests : IDisposable
{
    private static int s_nextRange = 41000 + (Environment.ProcessId % 200 * 40);
    private readonly MediaRelay _relay;
    private readonly List<Socket> _sockets = [];

    public MediaRelayTests()
    {
        int min = Interlocked.Add(ref s_nextRange, 40) - 40;
        _relay = new MediaRelay(new MediaRelayOptions { BindAddress = IPAddress.Loopback, PortMin = min, PortMax = min + 39, MediaTimeout = TimeSpan.FromSeconds(1.5) },
            NullLogger.Instance);
    }

    /// <summary>A two-party bridge as the PBX makes one: a port per party, each forwarding to the other.</summary>
    private static (MediaPort A, MediaPort B) Bridge(MediaGroup g, Socket a, Socket b)
    {
        MediaPort pa = g.AddPort("A");
        MediaPort pb = g.AddPort("B");
        pa.SetRemote(Sdp(a).Streams[0], expectMedia: true);
        pb.SetRemote(Sdp(b).Streams[0], expectMedia: true);
        pa.ForwardTo(pb);
        pb.ForwardTo(pa);
        return (pa, pb);
    }

    private static IPEndPoint At(MediaPort p) => new(IPAddress.Loopback, p.Port);

    [Fact]
    public async Task Relays_both_ways_and_rewrites_sdp()
    {
        Socket a = Party();
        Socket b = Party();
        using MediaGroup group = _relay.CreateGroup("t1");
        (MediaPort pa, MediaPort pb) = Bridge(group, a, b);
        IPEndPoint relayForB = Target(Sdp(a).Rewrite(IPAddress.Loopback, [pb.Port])); // what B is told: A's SDP, pointing at B's port
        IPEndPoint relayForA = Target(Sdp(b).Rewrite(IPAddress.Loopback, [pa.Port]));
        Assert.NotEqual(relayForA.Port, relayForB.Port);
        Assert.Equal(0, relayForA.Port % 2);

        for (ushort seq = 1; seq <= 20; seq++)
        {
            a.SendTo(Rtp(seq, seq * 160u), relayForA);
            Assert.Equal(seq, Seq(await Loopback.ReceiveAsync(b)));
            b.SendTo(Rtp((ushort)(seq + 1000), seq * 160u), relayForB);
            Assert.Equal(seq + 1000, Seq(await Loopback.ReceiveAsync(a)));
        }

        // RTCP goes through the odd port next to each.
        a.SendTo(Encoding.ASCII.GetBytes("rtcp-from-a"), new IPEndPoint(IPAddress.Loopback, relayForA.Port + 1));
        Socket bRtcp = _sockets[^1];
        Assert.Equal("rtcp-from-a", Encoding.ASCII.GetString(await Loopback.ReceiveAsync(bRtcp)));

        StreamCounters fromA = pa.Counters();
        Assert.Equal(20, fromA.Packets);
        Assert.Equal(20, fromA.Forwarded);
        Assert.Equal(0, fromA.Lost);
        Assert.Equal(20, pb.Counters().Forwarded);
    }

    [Fact]
    public async Task Latches_to_the_real_source_and_rejects_strangers()
    {
        Socket a = Party(); // what A's SDP names (behind NAT, never used)
        Socket aReal = Party(); // where A's packets really come from
        Socket b = Party();
        Socket stranger = Party(IPAddress.Parse("127.0.0.2")); // another host
        using MediaGroup group = _relay.CreateGroup("t2");
        (MediaPort pa, MediaPort pb) = Bridge(group, a, b);
        IPEndPoint relayForB = At(pb);
        IPEndPoint relayForA = At(pa);

        aReal.SendTo(Rtp(1, 0), relayForA);
        await Loopback.ReceiveAsync(b);
        b.SendTo(Rtp(7, 0), relayForB);
        Assert.Equal(7, Seq(await Loopback.ReceiveAsync(aReal))); // latched: B's media reaches A where A really is
        Assert.Equal(((IPEndPoint)aReal.LocalEndPoint!).Port, pa.Counters().Remote!.Port);

        // A stranger on another host cannot take the stream over once it is latched.
        stranger.SendTo(Rtp(99, 0), relayForA);
        aReal.SendTo(Rtp(2, 160), relayForA);
        Assert.Equal(2, Seq(await Loopback.ReceiveAsync(b)));
        await Loopback.WaitForAsync(() => pa.Counters().Rejected == 1);
        b.SendTo(Rtp(8, 160), relayForB);
        Assert.Equal(8, Seq(await Loopback.ReceiveAsync(aReal)));

        // The signalled host itself may move (a phone that reopened its socket): the latch follows.
        a.SendTo(Rtp(3, 320), relayForA);
        Assert.Equal(3, Seq(await Loopback.ReceiveAsync(b)));
        b.SendTo(Rtp(9, 320), relayForB);
        Assert.Equal(9, Seq(await Loopback.ReceiveAsync(a)));
    }

    [Fact]
    public async Task Counts_loss_from_sequence_gaps()
    {
        Socket a = Party();
        Socket b = Party();
        using MediaGroup group = _relay.CreateGroup("t3");
        (MediaPort pa, _) = Bridge(group, a, b);
        IPEndPoint relayForA = At(pa);
        foreach (ushort seq in new ushort[] { 65530, 65531, 65533, 65535, 0, 1, 4 })
        {
            a.SendTo(Rtp(seq, 0), relayForA);
            await Loopback.ReceiveAsync(b);
        }

        StreamCounters c = pa.Counters();
        Assert.Equal(7, c.Packets);
        Assert.Equal(4, c.Lost); // 65532, 65534, 2, 3 (across the wrap)
    }

    [Fact]
    public async Task Silence_times_out_and_dispose_releases_ports()
    {
        Socket a = Party();
        Socket b = Party();
        MediaGroup group = _relay.CreateGroup("t4");
        var timedOut = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        group.MediaTimedOut += (_, party) => timedOut.TrySetResult(party);
        (MediaPort pa, MediaPort pb) = Bridge(group, a, b);
        IPEndPoint relayForA = At(pa);
        IPEndPoint relayForB = At(pb);
        Assert.Equal(2, _relay.PortPairsInUse);

        // B keeps talking; A goes silent after one packet: the timeout names A.
        a.SendTo(Rtp(1, 0), relayForA);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        _ = Task.Run(async () =>
        {
            for (ushort s = 0; !cts.IsCancellationRequested; s++)
            {
                b.SendTo(Rtp(s, 0), relayForB);
                await Task.Delay(100);
            }
        });
        Assert.Equal("A", await timedOut.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await cts.CancelAsync();

        group.Dispose();
        await Loopback.WaitForAsync(() => _relay.PortPairsInUse == 0);
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(relayForA); // the port is really closed
    }

    [Fact]
    public void Running_out_of_ports_says_so()
    {
        var groups = new List<MediaGroup>();
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() =>
        {
            for (int i = 0; i < 21; i++)
            {
                MediaGroup g = _relay.CreateGroup("x" + i);
                groups.Add(g);
                g.AddPort("A");
            }
        });
        Assert.Contains("No free relay port", e.Message, StringComparison.Ordinal);
        groups.ForEach(g => g.Dispose());
    }

    private Socket Party(IPAddress? host = null)
    {
        host ??= IPAddress.Loopback;
        // An RTP socket and the RTCP one beside it (port + 1), as a phone has.
        for (int attempt = 0; ; attempt++)
        {
            var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(host, 0));
            int port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
            var rtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                rtcp.Bind(new IPEndPoint(host, port + 1));
            }
            catch (SocketException) when (attempt < 20)
            {
                rtp.Dispose();
                rtcp.Dispose();
                continue;
            }

            _sockets.Add(rtp);
            _sockets.Add(rtcp);
            return rtp;
        }
    }

    private static SessionDescription Sdp(Socket party)
    {
        var ep = (IPEndPoint)party.LocalEndPoint!;
        string text = $"v=0\r\no=- 1 1 IN IP4 {ep.Address}\r\ns=-\r\nc=IN IP4 {ep.Address}\r\nt=0 0\r\nm=audio {ep.Port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(text), out SessionDescription? sdp, out _));
        return sdp!;
    }

    private static IPEndPoint Target(byte[] sdp)
    {
        Assert.True(SessionDescription.TryParse(sdp, out SessionDescription? d, out _));
        return d!.Streams[0].RtpEndPoint!;
    }

    private static byte[] Rtp(ushort seq, uint ts)
    {
        byte[] p = new byte[172];
        p[0] = 0x80;
        p[2] = (byte)(seq >> 8);
        p[3] = (byte)seq;
        p[4] = (byte)(ts >> 24);
        p[5] = (byte)(ts >> 16);
        p[6] = (byte)(ts >> 8);
        p[7] = (byte)ts;
        return p;
    }

    private static int Seq(byte[] p) => (p[2] << 8) | p[3];



    public void Dispose()
    {
        _relay.Dispose();
        _sockets.ForEach(s => s.Dispose());
    }
}
