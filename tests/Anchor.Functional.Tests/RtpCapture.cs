using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Anchor.Functional.Tests;

/// <summary>
/// A party's media socket in a test: an RTP port (with its RTCP port above it) that records every RTP packet it gets,
/// with its arrival time (the kernel's, where it gives one: see <see cref="KernelClock"/>), and can send RTP itself.
/// The SIP side is SIPp's; this is where its SDP points.
/// </summary>
internal sealed class RtpCapture : IDisposable
{
    private readonly Socket _rtp;
    private readonly Socket _rtcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Packet> _packets = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _originUnixNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
    private readonly Thread _loop;

    public RtpCapture()
    {
        int port = FreePort.Next(2);
        _rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _rtp.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _rtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _rtcp.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
        Port = port;
        KernelClock.Enable(_rtp);
        _loop = new Thread(ReceiveLoop) { IsBackground = true, Name = "rtp-capture" };
        _loop.Start();
    }

    public int Port { get; }

    public sealed record Packet(TimeSpan At, uint Ssrc, int PayloadType, ushort Sequence, uint Timestamp, byte[] Payload);

    public IReadOnlyList<Packet> Packets
    {
        get
        {
            lock (_packets)
            {
                return [.. _packets];
            }
        }
    }

    public TimeSpan Now => _clock.Elapsed;

    public void Send(byte[] packet, int port) => _rtp.SendTo(packet, new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>Sends <paramref name="payloads"/> as an RTP stream, 20 ms apart, from this socket (so Anchor latches onto it).</summary>
    public async Task SendStreamAsync(int port, int payloadType, IEnumerable<byte[]> payloads, uint ssrc = 0x5151, ushort firstSeq = 1000)
    {
        ushort seq = firstSeq;
        uint ts = 16000;
        var pace = Stopwatch.StartNew();
        int n = 0;
        foreach (byte[] payload in payloads)
        {
            byte[] p = new byte[12 + payload.Length];
            p[0] = 0x80;
            p[1] = (byte)payloadType;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), seq++);
            BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), ts);
            BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), ssrc);
            payload.CopyTo(p, 12);
            ts += (uint)payload.Length;
            Send(p, port);
            n++;
            TimeSpan wait = TimeSpan.FromMilliseconds(20 * n) - pace.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
    }

    private void ReceiveLoop()
    {
        byte[] buf = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            long stamp;
            try
            {
                n = KernelClock.Receive(_rtp, buf, 100, out stamp);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (n < 12 || (buf[0] >> 6) != 2)
            {
                continue;
            }

            TimeSpan at = stamp > 0 ? TimeSpan.FromTicks((stamp - _originUnixNs) / 100) : _clock.Elapsed;
            var p = new Packet(at, BinaryPrimitives.ReadUInt32BigEndian(buf.AsSpan(8)), buf[1] & 0x7F,
                BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(2)), BinaryPrimitives.ReadUInt32BigEndian(buf.AsSpan(4)), buf[12..n]);
            lock (_packets)
            {
                _packets.Add(p);
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Join(TimeSpan.FromSeconds(2));
        _rtp.Dispose();
        _rtcp.Dispose();
        _stop.Dispose();
    }
}

/// <summary>What the tests measure in audio: G.711 decoding, level, and the strength of one frequency (Goertzel).</summary>
internal static class Audio
{
    public static short[] Decode(IEnumerable<RtpCapture.Packet> packets) =>
        packets.SelectMany(p => p.Payload.Select(b => p.PayloadType == 8 ? ALaw(b) : MuLaw(b))).ToArray();

    /// <summary>Mean absolute amplitude (16-bit scale): silence is under ~100, speech and music in the thousands.</summary>
    public static double Level(short[] s) => s.Length == 0 ? 0 : s.Average(x => Math.Abs((int)x));

    /// <summary>The power at <paramref name="hz"/> relative to the signal's total power (0..1), by the Goertzel algorithm.</summary>
    public static double Share(short[] s, double hz)
    {
        if (s.Length == 0)
        {
            return 0;
        }

        double w = 2 * Math.PI * hz / 8000, coeff = 2 * Math.Cos(w), q1 = 0, q2 = 0, total = 0;
        foreach (short x in s)
        {
            double q0 = (coeff * q1) - q2 + x;
            q2 = q1;
            q1 = q0;
            total += (double)x * x;
        }

        double power = (q1 * q1) + (q2 * q2) - (coeff * q1 * q2);
        return total == 0 ? 0 : 2 * power / (s.Length * total);
    }

    public static byte[] ToneMuLaw(double hz, int samples, int offset = 0) =>
        Enumerable.Range(offset, samples).Select(i => MuLawEncode((short)(8000 * Math.Sin(2 * Math.PI * hz * i / 8000)))).ToArray();

    public static short MuLaw(byte code)
    {
        int u = ~code & 0xFF;
        int t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
        return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }

    public static short ALaw(byte code)
    {
        int a = code ^ 0x55;
        int t = (a & 0x0F) << 4;
        int seg = (a & 0x70) >> 4;
        t = seg switch { 0 => t + 8, 1 => t + 0x108, _ => (t + 0x108) << (seg - 1) };
        return (short)((a & 0x80) != 0 ? t : -t);
    }

    private static byte MuLawEncode(short sample)
    {
        int pcm = sample;
        int sign = (pcm >> 8) & 0x80;
        if (sign != 0)
        {
            pcm = -pcm;
        }

        pcm = Math.Min(pcm, 32635) + 0x84;
        int exponent = 7;
        for (int mask = 0x4000; (pcm & mask) == 0 && exponent > 0; mask >>= 1)
        {
            exponent--;
        }

        return (byte)~(sign | (exponent << 4) | ((pcm >> (exponent + 3)) & 0x0F));
    }
}
