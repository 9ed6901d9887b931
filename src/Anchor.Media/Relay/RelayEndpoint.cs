using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Anchor.Media.Relay;

/// <summary>
/// One UDP port of the relay, facing one party: packets from that party arrive here and are sent on from the paired
/// endpoint (the same stream on the other leg); packets for that party leave from here to <see cref="Remote"/>.
/// Touched only by the engine thread once registered, except the counters, which others read.
/// </summary>
internal sealed unsafe class RelayEndpoint : IDisposable
{
    private readonly Socket _socket;

    public RelayEndpoint(Socket socket, int port, bool isRtcp)
    {
        _socket = socket;
        Fd = (int)socket.Handle;
        Port = port;
        IsRtcp = isRtcp;
        RemoteAddr = (byte*)NativeMemory.AllocZeroed(Native.SockAddrSize);
        SignalledAddr = (byte*)NativeMemory.AllocZeroed(Native.SockAddrSize);
    }

    public int Fd { get; }

    public int Port { get; }

    public bool IsRtcp { get; }

    /// <summary>Slot in the engine's table (the epoll data word).</summary>
    public int Id { get; set; } = -1;

    /// <summary>Where packets received here go out: the same stream and kind of the port this one forwards to; null: nowhere.</summary>
    public RelayEndpoint? Peer { get; set; }

    /// <summary>Anchor's own stream that takes this party's packets instead (the RTP endpoint of a port in local mode).</summary>
    public Engine.LocalStream? Local { get; set; }

    /// <summary>The encoding (an <see cref="Engine.EncodingIds"/> id) of each payload type this party's SDP listed; 0: unknown.</summary>
    public readonly byte[] EncodingOfPt = new byte[128];

    /// <summary>The payload type this party uses for each encoding id; 0xFF: not listed.</summary>
    public readonly byte[] PtOfEncoding = CreatePtTable();

    /// <summary>Where packets for this endpoint's party go (sockaddr); length 0 while unknown.</summary>
    public byte* RemoteAddr { get; }

    public int RemoteLength;

    /// <summary>What the party's SDP said, kept to allow a re-latch from the same host.</summary>
    public byte* SignalledAddr { get; }

    public int SignalledLength;

    /// <summary>The latch is open: the next packet's source becomes <see cref="RemoteAddr"/> (symmetric RTP).</summary>
    public bool LatchOpen;

    public bool Latched;

    /// <summary>RTP clock rate of this stream (for jitter).</summary>
    public int ClockRate = 8000;

    /// <summary>Whether silence from this party should end the call (its SDP says it sends).</summary>
    public bool ExpectMedia;

    // Counters (RFC 3550 §6.4.1, A.1, A.8); written by the engine thread only.
    public long Packets;
    public long Bytes;
    public long Forwarded;
    public long Dropped;
    public long Rejected;
    public long LastPacketTicks;

    /// <summary>When the first packet came (Unix milliseconds of the engine's clock); 0 before.</summary>
    public long FirstPacketUnixMs;

    /// <summary>At most a day of buckets is kept (a longer call's later packets are not in the timeline).</summary>
    private const int MaxBuckets = 24 * 3600 / StreamCounters.TimelineSeconds;

    private ushort[] _timeline = [];
    private int _bucket = -1;
    private long _bucketEnd;
    public bool SeqInitialised;
    public ushort MaxSeq;
    public uint Cycles;
    public uint BaseSeq;
    public long Received;
    public long JitterScaled;
    public long LastTransit;
    public bool HasTransit;

    public IPEndPoint? Remote => RemoteLength == 0 ? null : Native.ReadSockAddr(RemoteAddr, RemoteLength);

    private static byte[] CreatePtTable()
    {
        var t = new byte[Engine.EncodingIds.Max];
        Array.Fill(t, (byte)0xFF);
        return t;
    }

    /// <summary>Records the payload types of this party's SDP, for rewriting between parties that number formats differently.</summary>
    public void SetFormats(IReadOnlyList<Sdp.RtpFormat> formats)
    {
        Array.Clear(EncodingOfPt);
        Array.Fill(PtOfEncoding, (byte)0xFF);
        foreach (Sdp.RtpFormat f in formats)
        {
            byte id = Engine.EncodingIds.Of(f.Encoding, f.ClockRate);
            if (id != 0 && f.PayloadType < 128)
            {
                EncodingOfPt[f.PayloadType] = id;
                if (PtOfEncoding[id] == 0xFF)
                {
                    PtOfEncoding[id] = (byte)f.PayloadType;
                }
            }
        }
    }

    public void SetSignalled(IPEndPoint? ep)
    {
        if (ep is null || ep.AddressFamily != _socket.AddressFamily)
        {
            SignalledLength = 0;
            RemoteLength = 0;
            LatchOpen = true;
            return;
        }

        SignalledLength = Native.WriteSockAddr(ep, SignalledAddr);
        if (!Latched)
        {
            Native.WriteSockAddr(ep, RemoteAddr);
            RemoteLength = SignalledLength;
        }

        LatchOpen = true; // a new offer/answer: the next packet may move the latch (the phone may have moved)
    }

    /// <summary>RFC 3550 A.1 sequence tracking (simplified: no probation) and A.8 interarrival jitter.</summary>
    public void AccountRtp(byte* packet, int length, long nowTicks, long ticksPerSecond)
    {
        if (IsRtcp || length < 12 || (packet[0] >> 6) != 2)
        {
            return;
        }

        ushort seq = (ushort)((packet[2] << 8) | packet[3]);
        uint ts = (uint)((packet[4] << 24) | (packet[5] << 16) | (packet[6] << 8) | packet[7]);
        if (!SeqInitialised)
        {
            SeqInitialised = true;
            BaseSeq = seq;
            MaxSeq = seq;
            Cycles = 0;
            Received = 1;
        }
        else
        {
            ushort delta = (ushort)(seq - MaxSeq);
            if (delta < 3000)
            {
                if (seq < MaxSeq)
                {
                    Cycles += 65536;
                }

                MaxSeq = seq;
            }
            else if (delta <= 65536 - 100)
            {
                // A big jump: the source restarted; count from here.
                BaseSeq = seq;
                MaxSeq = seq;
                Cycles = 0;
                Received = 0;
            }

            Received++;
        }

        // Jitter in timestamp units: arrival time converted to the stream's clock.
        long arrival = (long)(nowTicks * (double)ClockRate / ticksPerSecond);
        long transit = arrival - ts;
        if (HasTransit)
        {
            long d = transit - LastTransit;
            if (d < 0)
            {
                d = -d;
            }

            if (d < int.MaxValue)
            {
                JitterScaled += d - ((JitterScaled + 8) >> 4);
            }
        }

        HasTransit = true;
        LastTransit = transit;
    }

    /// <summary>
    /// Engine thread, per packet accepted: counted into its <see cref="StreamCounters.TimelineSeconds"/>-second bucket from the stream's
    /// first packet (one compare per packet; the array grows by doubling, a 1-hour call's is 1.4 KB).
    /// </summary>
    public void CountTimeline(long now, long frequency)
    {
        if (_bucketEnd == long.MaxValue)
        {
            return; // a day is kept; the rest of a longer call is not in the timeline
        }

        if (now >= _bucketEnd)
        {
            long span = frequency * StreamCounters.TimelineSeconds;
            int skip = _bucket < 0 ? 1 : (int)Math.Min(MaxBuckets, 1 + ((now - _bucketEnd) / span));
            int next = Math.Min(MaxBuckets, _bucket + skip);
            if (next >= MaxBuckets)
            {
                _bucketEnd = long.MaxValue;
                return;
            }

            _bucketEnd = (_bucket < 0 ? now : _bucketEnd) + (skip * span);
            if (next >= _timeline.Length)
            {
                ushort[] grown = new ushort[Math.Min(MaxBuckets, Math.Max(next + 1, Math.Max(16, _timeline.Length * 2)))];
                _timeline.CopyTo(grown, 0);
                Volatile.Write(ref _timeline, grown);
            }

            Volatile.Write(ref _bucket, next);
        }

        ushort[] t = _timeline;
        if (t[_bucket] < ushort.MaxValue)
        {
            t[_bucket]++;
        }
    }

    /// <summary>Packets per <see cref="StreamCounters.TimelineSeconds"/>-second bucket from the first packet (a copy; any thread).</summary>
    public int[] Timeline()
    {
        ushort[] t = Volatile.Read(ref _timeline);
        int n = Math.Min(t.Length, Volatile.Read(ref _bucket) + 1);
        int[] copy = new int[Math.Max(0, n)];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = t[i];
        }

        return copy;
    }

    public StreamCounters Snapshot()
    {
        long expected = SeqInitialised ? (long)Cycles + MaxSeq - BaseSeq + 1 : 0;
        return new StreamCounters(Port, IsRtcp, Remote, Latched, Packets, Bytes, Forwarded, Dropped, Rejected,
            Math.Max(0, expected - Received), ClockRate == 0 ? 0 : (JitterScaled >> 4) * 1000.0 / ClockRate, Volatile.Read(ref FirstPacketUnixMs), IsRtcp ? [] : Timeline());
    }

    public void Dispose()
    {
        _socket.Dispose();
        NativeMemory.Free(RemoteAddr);
        NativeMemory.Free(SignalledAddr);
    }
}

/// <summary>
/// What one relay port saw from its party: packets and bytes received, forwarded to the other leg, dropped (no known
/// destination yet), rejected (from a source that is not the party), lost (RTP sequence gaps) and jitter in ms; the
/// timeline is the packets of each 5-second stretch from the first (RTP only).
/// </summary>
public sealed record StreamCounters(
    int Port, bool IsRtcp, IPEndPoint? Remote, bool Latched, long Packets, long Bytes, long Forwarded, long Dropped, long Rejected, long Lost, double JitterMs,
    long FirstPacketUnixMs = 0, int[]? Timeline = null)
{
    /// <summary>Seconds of one step of <see cref="Timeline"/>.</summary>
    public const int TimelineSeconds = 5;
}
