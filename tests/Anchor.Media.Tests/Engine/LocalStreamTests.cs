using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Anchor.Media.Audio;
using Anchor.Media.Codecs;
using Anchor.Media.Engine;
using Anchor.Media.Relay;
using Anchor.Media.Rtp;
using Anchor.Media.Sdp;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Anchor.Media.Tests.Engine;

/// <summary>Anchor's own media engine on real loopback sockets: a plain UDP socket is the phone.</summary>
public sealed class LocalStreamTests : IDisposable, ILocalStreamEvents
{
    private static int s_nextRange = 45000 + (Environment.ProcessId % 100 * 40);
    private readonly MediaRelay _relay;
    private readonly List<Socket> _sockets = [];
    private readonly List<char> _keys = [];
    private readonly List<int> _finished = [];

    public LocalStreamTests()
    {
        int min = Interlocked.Add(ref s_nextRange, 40) - 40;
        _relay = new MediaRelay(new MediaRelayOptions { BindAddress = IPAddress.Loopback, PortMin = min, PortMax = min + 39, Threads = 1 }, NullLogger.Instance);
    }

    void ILocalStreamEvents.OnDigit(LocalStream stream, char key)
    {
        lock (_keys)
        {
            _keys.Add(key);
        }
    }

    void ILocalStreamEvents.OnPlaybackFinished(LocalStream stream, int playId)
    {
        lock (_finished)
        {
            _finished.Add(playId);
        }
    }

    [Fact]
    public async Task Plays_a_clip_as_an_rtp_stream_and_reports_its_end()
    {
        Socket phone = Party();
        using MediaGroup g = _relay.CreateGroup("play");
        MediaPort port = g.AddPort("phone");
        port.SetRemote(Sdp(phone, "0 8 101", "a=rtpmap:101 telephone-event/8000"), expectMedia: false);
        LocalStream stream = port.Local();
        stream.Events = this;
        var clip = new AudioClip("ramp", Enumerable.Range(0, 1600).Select(i => (short)(i * 10)).ToArray()); // 10 frames
        stream.Play(new ClipSource(clip), playId: 7);

        var packets = new List<byte[]>();
        while (packets.Count < 10)
        {
            packets.Add(await Loopback.ReceiveAsync(phone));
        }

        Assert.All(packets, p => Assert.Equal(0, p[1] & 0x7F)); // PCMU: the first G.711 the phone listed
        Assert.True((packets[0][1] & 0x80) != 0, "marker on the first packet of a talkspurt");
        Assert.All(packets.Skip(1), p => Assert.Equal(0, p[1] & 0x80));
        for (int i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(RtpHeader.Sequence(packets[i - 1]) + 1), RtpHeader.Sequence(packets[i]));
            Assert.Equal(RtpHeader.Timestamp(packets[i - 1]) + 160, RtpHeader.Timestamp(packets[i]));
            Assert.Equal(RtpHeader.Ssrc(packets[0]), RtpHeader.Ssrc(packets[i]));
        }

        short[] heard = packets.SelectMany(p => p[12..].Select(b => G711.Decode(b, G711Law.MuLaw))).ToArray();
        for (int i = 0; i < heard.Length; i += 97)
        {
            Assert.InRange(heard[i] - clip.Samples[i], -600, 600); // G.711's quantisation, nothing else
        }

        await Loopback.WaitForAsync(() => { lock (_finished) { return _finished.Contains(7); } });
        Assert.Equal(10, stream.PacketsSent);
    }

    [Theory]
    [InlineData(96)]
    [InlineData(101)]
    [InlineData(102)]
    public async Task Hears_keys_on_whatever_payload_type_was_negotiated(int eventType)
    {
        Socket phone = Party();
        using MediaGroup g = _relay.CreateGroup("dtmf");
        MediaPort port = g.AddPort("phone");
        port.SetRemote(Sdp(phone, $"8 {eventType}", $"a=rtpmap:{eventType} telephone-event/8000"), expectMedia: false);
        LocalStream stream = port.Local();
        stream.Events = this;
        var target = new IPEndPoint(IPAddress.Loopback, port.Port);
        ushort seq = 100;
        foreach ((char key, uint ts) in new[] { ('4', 8000u), ('#', 16000u) })
        {
            for (int i = 1; i <= 6; i++)
            {
                phone.SendTo(Event(eventType, seq++, ts, TelephoneEvents.CodeOf(key), end: i >= 4, duration: Math.Min(i, 4) * 160), target);
            }
        }

        await Loopback.WaitForAsync(() => { lock (_keys) { return _keys.Count >= 2; } });
        await Task.Delay(100);
        lock (_keys)
        {
            Assert.Equal("4#", new string(_keys.ToArray()));
        }
    }

    [Fact]
    public async Task Echoes_what_the_phone_sends_with_its_own_ssrc()
    {
        Socket phone = Party();
        using MediaGroup g = _relay.CreateGroup("echo");
        MediaPort port = g.AddPort("phone");
        port.SetRemote(Sdp(phone, "8", ""), expectMedia: false);
        LocalStream stream = port.Local();
        stream.Echo(true);
        var target = new IPEndPoint(IPAddress.Loopback, port.Port);

        // Echo(true) is posted to the engine's thread: a packet the stream reads before that command has run is not
        // echoed (as a phone's packets before the echo test's beep are not), so the first echo is waited for.
        bool on = false;
        for (ushort i = 0; i < 50 && !on; i++)
        {
            byte[] primer = new byte[172];
            RtpHeader.Write(primer, 8, false, i, i * 160u, 0xABCDEF01);
            phone.SendTo(primer, target);
            on = phone.Poll(100_000, SelectMode.SelectRead) && (await Loopback.ReceiveAsync(phone)).Length == 172;
        }

        Assert.True(on, "nothing echoed");
        for (ushort i = 50; i < 55; i++)
        {
            byte[] p = new byte[172];
            RtpHeader.Write(p, 8, false, i, i * 160u, 0xABCDEF01);
            Array.Fill(p, (byte)(0x10 + i), 12, 160);
            phone.SendTo(p, target);
            byte[] back;
            do
            {
                back = await Loopback.ReceiveAsync(phone);
            }
            while (back[12] == 0); // a primer's echo that came late
            Assert.Equal(8, back[1] & 0x7F);
            Assert.NotEqual(0xABCDEF01u, RtpHeader.Ssrc(back));
            Assert.Equal(p[12..], back[12..]);
        }
    }

    [Fact]
    public async Task Records_in_order_through_the_jitter_buffer()
    {
        Socket phone = Party();
        using MediaGroup g = _relay.CreateGroup("rec");
        MediaPort port = g.AddPort("phone");
        port.SetRemote(Sdp(phone, "0", ""), expectMedia: false);
        LocalStream stream = port.Local();
        var recorder = new Recorder(TimeSpan.FromSeconds(10));
        stream.Record(recorder);
        await Task.Delay(50);
        var target = new IPEndPoint(IPAddress.Loopback, port.Port);
        foreach (ushort s in new ushort[] { 0, 2, 1, 3, 4, 5, 6, 7 }) // 1 and 2 swapped on the way
        {
            byte[] p = new byte[172];
            RtpHeader.Write(p, 0, false, s, s * 160u, 42);
            Array.Fill(p, G711.Encode((short)(1000 * (s + 1)), G711Law.MuLaw), 12, 160);
            phone.SendTo(p, target);
            await Task.Delay(5);
        }

        await Task.Delay(100);
        await stream.StopRecordingAsync();
        short[] samples = recorder.Samples();
        Assert.Equal(8 * 160, samples.Length);
        for (int f = 0; f < 8; f++)
        {
            Assert.InRange(samples[(f * 160) + 80], (1000 * (f + 1)) - 300, (1000 * (f + 1)) + 300); // µ-law steps are 256 up there
        }

        string file = Path.Combine(Directory.CreateTempSubdirectory("anchor-rec-").FullName, "m.wav");
        await recorder.WriteAsync(file);
        Assert.Equal(samples, WavFile.Read(file).Samples);
        Assert.False(File.Exists(file + ".partial"));
    }

    [Fact]
    public async Task The_relay_rewrites_the_telephone_event_type_between_parties_that_differ()
    {
        Socket a = Party();
        Socket b = Party();
        using MediaGroup g = _relay.CreateGroup("pt");
        MediaPort pa = g.AddPort("A");
        MediaPort pb = g.AddPort("B");
        pa.SetRemote(Sdp(a, "0 101", "a=rtpmap:101 telephone-event/8000"), expectMedia: false);
        pb.SetRemote(Sdp(b, "0 96", "a=rtpmap:96 telephone-event/8000"), expectMedia: false);
        pa.ForwardTo(pb);
        pb.ForwardTo(pa);
        a.SendTo(Event(101, 1, 0, 5, false, 160), new IPEndPoint(IPAddress.Loopback, pa.Port));
        Assert.Equal(96, (await Loopback.ReceiveAsync(b))[1] & 0x7F);
        b.SendTo(Event(96, 1, 0, 5, false, 160), new IPEndPoint(IPAddress.Loopback, pb.Port));
        Assert.Equal(101, (await Loopback.ReceiveAsync(a))[1] & 0x7F);
        byte[] audio = new byte[172];
        RtpHeader.Write(audio, 0, true, 2, 160, 9);
        a.SendTo(audio, new IPEndPoint(IPAddress.Loopback, pa.Port));
        byte[] got = await Loopback.ReceiveAsync(b);
        Assert.Equal(0x80, got[1]); // PCMU with its marker, untouched
    }

    private static byte[] Event(int pt, ushort seq, uint ts, int code, bool end, int duration)
    {
        byte[] p = new byte[16];
        RtpHeader.Write(p, pt, false, seq, ts, 777);
        p[12] = (byte)code;
        p[13] = (byte)((end ? 0x80 : 0) | 10);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(14), (ushort)duration);
        return p;
    }

    private Socket Party()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sockets.Add(s);
        return s;
    }

    private static MediaStream Sdp(Socket party, string formats, string attributes)
    {
        var ep = (IPEndPoint)party.LocalEndPoint!;
        string text = $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {ep.Port} RTP/AVP {formats}\r\n{attributes}\r\n";
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(text), out SessionDescription? sdp, out string? error), error);
        return sdp!.Streams[0];
    }



    public void Dispose()
    {
        _relay.Dispose();
        _sockets.ForEach(s => s.Dispose());
    }
}
