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
/// The media relay and Anchor's own media engine: a pool of port pairs in <see cref="MediaRelayOptions.PortMin"/>–
/// <see cref="MediaRelayOptions.PortMax"/> and the engine threads that move packets between them and run Anchor's own
/// streams. A call asks for a <see cref="MediaGroup"/> (its media, all on one engine thread) and takes a
/// <see cref="MediaPort"/> from it for each party's stream; ports forward to one another, or carry a
/// <see cref="Engine.LocalStream"/>.
/// </summary>
public sealed class MediaRelay : IDisposable
{
    private readonly Lock _gate = new();
    private readonly bool[] _pairInUse;
    private readonly RelayEngine[] _engines;
    private readonly List<MediaGroup>[] _groups; // each list touched only by its engine's thread
    private readonly ILogger _log;
    private int _nextEngine;
    private int _activeGroups;
    private int _nextPair;
    private int _pairsInUse;

    public MediaRelay(MediaRelayOptions options, ILogger log, TimeProvider? time = null)
    {
        Options = options;
        _log = log;
        Time = time ?? TimeProvider.System;
        int first = options.PortMin + (options.PortMin % 2);
        _pairInUse = new bool[Math.Max(0, (options.PortMax - first + 1) / 2)];
        FirstPort = first;
        _engines = new RelayEngine[Math.Max(1, options.Threads)];
        _groups = new List<MediaGroup>[_engines.Length];
        for (int i = 0; i < _engines.Length; i++)
        {
            int index = i;
            _groups[i] = [];
            _engines[i] = new RelayEngine(log, $"Anchor RTP relay {i}", Time) { Tick = now => OnTick(index, now) };
        }
    }

    public MediaRelayOptions Options { get; }

    public TimeProvider Time { get; }

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

    public int ActiveGroups => Volatile.Read(ref _activeGroups);

    /// <summary>Local streams running on all engine threads.</summary>
    public int LocalStreams => _engines.Sum(e => e.LocalStreams);

    /// <summary>A new call's media; its ports are taken as its parties need them. Calls are spread over the engine threads.</summary>
    public MediaGroup CreateGroup(string name)
    {
        int index = (int)((uint)Interlocked.Increment(ref _nextEngine) % (uint)_engines.Length);
        var group = new MediaGroup(this, _engines[index], name);
        Interlocked.Increment(ref _activeGroups);
        _engines[index].Post(() => _groups[index].Add(group));
        return group;
    }

    internal void Forget(MediaGroup group)
    {
        Interlocked.Decrement(ref _activeGroups);
        int index = Array.IndexOf(_engines, group.Engine);
        _engines[index].Post(() => _groups[index].Remove(group));
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
        long limit = (long)(Options.MediaTimeout.TotalSeconds * Time.TimestampFrequency);
        foreach (MediaGroup g in _groups[engine])
        {
            g.CheckTimeout(now, limit);
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
