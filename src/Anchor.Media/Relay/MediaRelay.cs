using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Anchor.Media.Relay;

/// <summary>The relay's settings (Media section of the configuration).</summary>
public sealed record MediaRelayOptions
{
    /// <summary>Address the relay ports are bound to.</summary>
    public required IPAddress BindAddress { get; init; }

    /// <summary>Address written into rewritten SDP (the public address when Anchor is behind NAT).</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>First and last port of the range; RTP takes even ports, RTCP the next odd one.</summary>
    public int PortMin { get; init; } = 20000;

    public int PortMax { get; init; } = 20999;

    /// <summary>A party whose SDP says it sends but from whom nothing arrives for this long ends the call.</summary>
    public TimeSpan MediaTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int ReceiveBufferBytes { get; init; } = 256 * 1024;

    /// <summary>Relay threads; each call's packets are all handled by one of them. Default: one per core, at most four.</summary>
    public int Threads { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);
}

/// <summary>
/// The media relay: a pool of port pairs in <see cref="MediaRelayOptions.PortMin"/>–<see cref="MediaRelayOptions.PortMax"/>
/// and the engine threads that move packets between them (each call on one thread). A call asks for a <see cref="MediaSession"/>; the session
/// rewrites each SDP that passes and releases its ports when disposed.
/// </summary>
public sealed class MediaRelay : IDisposable
{
    private readonly Lock _gate = new();
    private readonly bool[] _pairInUse;
    private readonly RelayEngine[] _engines;
    private readonly List<MediaSession>[] _sessions; // each list touched only by its engine's thread
    private readonly ILogger _log;
    private int _nextEngine;
    private int _activeSessions;
    private int _nextPair;
    private int _pairsInUse;

    public MediaRelay(MediaRelayOptions options, ILogger log)
    {
        Options = options;
        _log = log;
        int first = options.PortMin + (options.PortMin % 2);
        _pairInUse = new bool[Math.Max(0, (options.PortMax - first + 1) / 2)];
        FirstPort = first;
        _engines = new RelayEngine[Math.Max(1, options.Threads)];
        _sessions = new List<MediaSession>[_engines.Length];
        for (int i = 0; i < _engines.Length; i++)
        {
            int index = i;
            _sessions[i] = [];
            _engines[i] = new RelayEngine(log, $"Anchor RTP relay {i}") { Tick = now => OnTick(index, now) };
        }
    }

    public MediaRelayOptions Options { get; }

    public IPAddress Advertised => Options.AdvertisedAddress ?? Options.BindAddress;

    internal int FirstPort { get; }

    internal ILogger Log => _log;

    public int PortPairsInUse
    {
        get
        {
            lock (_gate)
            {
                return _pairsInUse;
            }
        }
    }

    public int ActiveSessions => Volatile.Read(ref _activeSessions);

    /// <summary>A new call's relay; its ports are bound when the first SDP passes. Calls are spread over the relay threads.</summary>
    public MediaSession CreateSession(string name)
    {
        int index = (int)((uint)Interlocked.Increment(ref _nextEngine) % (uint)_engines.Length);
        var session = new MediaSession(this, _engines[index], index, name);
        Interlocked.Increment(ref _activeSessions);
        _engines[index].Post(() => _sessions[index].Add(session));
        return session;
    }

    internal void Forget(MediaSession session)
    {
        Interlocked.Decrement(ref _activeSessions);
        _engines[session.EngineIndex].Post(() => _sessions[session.EngineIndex].Remove(session));
    }

    /// <summary>Binds an RTP/RTCP socket pair on the next free even port; throws when the range is exhausted.</summary>
    internal (RelayEndpoint Rtp, RelayEndpoint Rtcp) AllocatePair()
    {
        lock (_gate)
        {
            for (int tried = 0; tried < _pairInUse.Length; tried++)
            {
                int idx = _nextPair;
                _nextPair = (_nextPair + 1) % _pairInUse.Length; // round robin: a freed port is not reused at once
                if (_pairInUse[idx])
                {
                    continue;
                }

                int port = FirstPort + (idx * 2);
                Socket? rtp = null;
                Socket? rtcp = null;
                try
                {
                    rtp = Bind(port);
                    rtcp = Bind(port + 1);
                }
                catch (SocketException)
                {
                    rtp?.Dispose();
                    rtcp?.Dispose();
                    continue; // taken by someone else: try the next pair
                }

                _pairInUse[idx] = true;
                _pairsInUse++;
                return (new RelayEndpoint(rtp, port, isRtcp: false), new RelayEndpoint(rtcp, port + 1, isRtcp: true));
            }
        }

        throw new InvalidOperationException($"No free relay port pair in {Options.PortMin}-{Options.PortMax}");
    }

    internal void ReleasePair(int rtpPort)
    {
        lock (_gate)
        {
            int idx = (rtpPort - FirstPort) / 2;
            if (idx >= 0 && idx < _pairInUse.Length && _pairInUse[idx])
            {
                _pairInUse[idx] = false;
                _pairsInUse--;
            }
        }
    }

    private Socket Bind(int port)
    {
        var s = new Socket(Options.BindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            s.ReceiveBufferSize = Options.ReceiveBufferBytes;
            s.Bind(new IPEndPoint(Options.BindAddress, port));
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    private void OnTick(int engine, long now)
    {
        long limit = (long)(Options.MediaTimeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        foreach (MediaSession s in _sessions[engine])
        {
            s.CheckTimeout(now, limit);
        }
    }

    public void Dispose()
    {
        foreach (RelayEngine e in _engines)
        {
            e.Dispose();
        }
    }
}
