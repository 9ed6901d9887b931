using Anchor.Media.Sdp;
using Microsoft.Extensions.Logging;

namespace Anchor.Media.Relay;

/// <summary>The two sides of an anchored call: A (the side that sent the first offer) and B.</summary>
public enum Leg
{
    A,
    B,
}

/// <summary>
/// The relay ports of one call: for each media stream an RTP/RTCP pair facing leg A and one facing leg B. Every SDP
/// that crosses the call goes through <see cref="Apply"/>: the sender's addresses are recorded for its side and the
/// description is rewritten to point the other side at Anchor.
/// </summary>
public sealed class MediaSession : IDisposable
{
    private readonly MediaRelay _relay;
    private readonly RelayEngine _engine;
    private readonly List<StreamPorts> _streams = [];
    private readonly Lock _gate = new();
    private bool _disposed;
    private int _timedOut;

    internal MediaSession(MediaRelay relay, RelayEngine engine, int engineIndex, string name)
    {
        _relay = relay;
        _engine = engine;
        EngineIndex = engineIndex;
        Name = name;
    }

    internal int EngineIndex { get; }

    public string Name { get; }

    /// <summary>Raised once (on a thread-pool thread) when a side that should be sending has been silent for the media timeout.</summary>
    public event Action<MediaSession, Leg>? MediaTimedOut;

    /// <summary>
    /// Records <paramref name="sdp"/> as what the party on <paramref name="from"/> wants, and returns the description
    /// to send to the other side: same codecs and attributes, Anchor's address (<paramref name="advertise"/>, else the
    /// relay's) and the other side's relay ports.
    /// </summary>
    public byte[] Apply(Leg from, SessionDescription sdp, System.Net.IPAddress? advertise = null)
    {
        var ports = new int[sdp.Streams.Count];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (_streams.Count < sdp.Streams.Count)
            {
                _streams.Add(Allocate());
            }

            for (int i = 0; i < sdp.Streams.Count; i++)
            {
                MediaStream s = sdp.Streams[i];
                StreamPorts p = _streams[i];
                (RelayEndpoint rtp, RelayEndpoint rtcp) = from == Leg.A ? (p.ARtp, p.ARtcp) : (p.BRtp, p.BRtcp);
                _engine.Post(() =>
                {
                    rtp.SetSignalled(s.RtpEndPoint);
                    rtcp.SetSignalled(s.RtcpEndPoint);
                    rtp.ClockRate = s.ClockRate;
                    rtp.ExpectMedia = s.Sends;
                    rtcp.ExpectMedia = false;
                    long now = System.Diagnostics.Stopwatch.GetTimestamp();
                    rtp.LastPacketTicks = now;
                    rtcp.LastPacketTicks = now;
                });
                ports[i] = from == Leg.A ? p.BRtp.Port : p.ARtp.Port;
            }
        }

        return sdp.Rewrite(advertise ?? _relay.Advertised, ports);
    }

    /// <summary>Counters of every relay port facing <paramref name="leg"/> (what that side sent), RTP then RTCP per stream.</summary>
    public IReadOnlyList<StreamCounters> Counters(Leg leg)
    {
        lock (_gate)
        {
            return _streams.SelectMany(p => leg == Leg.A ? new[] { p.ARtp.Snapshot(), p.ARtcp.Snapshot() } : [p.BRtp.Snapshot(), p.BRtcp.Snapshot()]).ToArray();
        }
    }

    /// <summary>The relay ports facing <paramref name="leg"/> (RTP of each stream).</summary>
    public IReadOnlyList<int> Ports(Leg leg)
    {
        lock (_gate)
        {
            return _streams.Select(p => leg == Leg.A ? p.ARtp.Port : p.BRtp.Port).ToArray();
        }
    }

    private StreamPorts Allocate()
    {
        (RelayEndpoint aRtp, RelayEndpoint aRtcp) = _relay.AllocatePair();
        (RelayEndpoint bRtp, RelayEndpoint bRtcp) b;
        try
        {
            b = _relay.AllocatePair();
        }
        catch
        {
            aRtp.Dispose();
            aRtcp.Dispose();
            _relay.ReleasePair(aRtp.Port);
            throw;
        }

        var p = new StreamPorts(aRtp, aRtcp, b.bRtp, b.bRtcp);
        aRtp.Peer = b.bRtp;
        b.bRtp.Peer = aRtp;
        aRtcp.Peer = b.bRtcp;
        b.bRtcp.Peer = aRtcp;
        foreach (RelayEndpoint ep in p.All)
        {
            ep.Session = this;
        }

        _engine.Post(() =>
        {
            foreach (RelayEndpoint ep in p.All)
            {
                _engine.Add(ep);
            }
        });
        return p;
    }

    /// <summary>Engine thread: a side whose SDP says it sends, silent on every port for the limit, times the call out.</summary>
    internal void CheckTimeout(long now, long limit)
    {
        if (_timedOut != 0 || _disposed)
        {
            return;
        }

        StreamPorts[] streams;
        lock (_gate)
        {
            streams = [.. _streams];
        }

        foreach (Leg leg in (Leg[])[Leg.A, Leg.B])
        {
            bool expected = false;
            long last = 0;
            foreach (StreamPorts p in streams)
            {
                RelayEndpoint rtp = leg == Leg.A ? p.ARtp : p.BRtp;
                RelayEndpoint rtcp = leg == Leg.A ? p.ARtcp : p.BRtcp;
                expected |= rtp.ExpectMedia;
                last = Math.Max(last, Math.Max(rtp.LastPacketTicks, rtcp.LastPacketTicks));
            }

            if (expected && now - last > limit && Interlocked.Exchange(ref _timedOut, 1) == 0)
            {
                _relay.Log.LogWarning("Media timeout on {Call}: nothing from leg {Leg} for {Timeout}", Name, leg, _relay.Options.MediaTimeout);
                Leg silent = leg;
                ThreadPool.UnsafeQueueUserWorkItem(_ => MediaTimedOut?.Invoke(this, silent), null);
                return;
            }
        }
    }

    public void Dispose()
    {
        StreamPorts[] streams;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            streams = [.. _streams];
            _streams.Clear();
        }

        _relay.Forget(this);
        _engine.Post(() =>
        {
            foreach (StreamPorts p in streams)
            {
                foreach (RelayEndpoint ep in p.All)
                {
                    _engine.Remove(ep);
                }

                _relay.ReleasePair(p.ARtp.Port);
                _relay.ReleasePair(p.BRtp.Port);
            }
        });
    }

    private sealed record StreamPorts(RelayEndpoint ARtp, RelayEndpoint ARtcp, RelayEndpoint BRtp, RelayEndpoint BRtcp)
    {
        public RelayEndpoint[] All => [ARtp, ARtcp, BRtp, BRtcp];
    }
}
