using System.Net;
using Microsoft.Extensions.Logging;

namespace Anchor.Media.Relay;

/// <summary>
/// The media of one call: the relay ports its parties use, all on one engine thread (so forwarding between them, and
/// later mixing, never crosses threads). Ports are taken per party and stream and released with the group. A party
/// that should be sending (its SDP says so) and is silent on all its ports for the media timeout is reported once.
/// </summary>
public sealed class MediaGroup : IDisposable
{
    private readonly MediaRelay _relay;
    private readonly List<MediaPort> _ports = [];
    private readonly Lock _gate = new();
    private bool _disposed;
    private int _timedOut;

    internal MediaGroup(MediaRelay relay, RelayEngine engine, string name)
    {
        _relay = relay;
        Engine = engine;
        Name = name;
    }

    public string Name { get; }

    public MediaRelay Relay => _relay;

    internal RelayEngine Engine { get; }

    /// <summary>The address the ports are bound to.</summary>
    public IPAddress BindAddress => _relay.Options.BindAddress;

    /// <summary>Raised once (on a thread-pool thread) with the party that has been silent for the media timeout.</summary>
    public event Action<MediaGroup, string>? MediaTimedOut;

    /// <summary>A new RTP/RTCP port pair for a stream of <paramref name="party"/>; throws InvalidOperationException when none is free.</summary>
    public MediaPort AddPort(string party)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            (RelayEndpoint rtp, RelayEndpoint rtcp) = _relay.AllocatePair();
            var port = new MediaPort(this, party, rtp, rtcp);
            _ports.Add(port);
            Engine.Post(() =>
            {
                Engine.Add(rtp);
                Engine.Add(rtcp);
            });
            return port;
        }
    }

    public IReadOnlyList<MediaPort> Ports
    {
        get
        {
            lock (_gate)
            {
                return [.. _ports];
            }
        }
    }

    /// <summary>Releases one port (its party left); the group's other ports carry on.</summary>
    internal void Release(MediaPort port)
    {
        lock (_gate)
        {
            if (!_ports.Remove(port))
            {
                return;
            }
        }

        Close([port], Ports);
    }

    /// <summary>One engine command for all of them, so no packet is handled between closing one port and another.</summary>
    private void Close(MediaPort[] closing, IReadOnlyList<MediaPort> staying) => Engine.Post(() =>
    {
        foreach (MediaPort port in closing)
        {
            port.OnEngineClose();
            foreach (MediaPort other in staying)
            {
                other.Unpeer(port); // nothing may send through a socket that is about to close
            }

            Engine.Remove(port.Rtp);
            Engine.Remove(port.Rtcp);
            _relay.ReleasePair(port.Port);
        }
    });

    /// <summary>Engine thread: a party whose SDP says it sends, silent on every one of its ports for the limit, times the call out.</summary>
    internal void CheckTimeout(long now, long limit)
    {
        if (_timedOut != 0 || _disposed)
        {
            return;
        }

        MediaPort[] ports;
        lock (_gate)
        {
            ports = [.. _ports];
        }

        foreach (IGrouping<string, MediaPort> party in ports.GroupBy(p => p.Party, StringComparer.Ordinal))
        {
            bool expected = party.Any(p => p.Rtp.ExpectMedia);
            long last = party.Max(p => Math.Max(p.Rtp.LastPacketTicks, p.Rtcp.LastPacketTicks));
            if (expected && now - last > limit && Interlocked.Exchange(ref _timedOut, 1) == 0)
            {
                _relay.Log.LogWarning("Media timeout on {Call}: nothing from {Party} for {Timeout}", Name, party.Key, _relay.Options.MediaTimeout);
                string silent = party.Key;
                ThreadPool.UnsafeQueueUserWorkItem(_ => MediaTimedOut?.Invoke(this, silent), null);
                return;
            }
        }
    }

    public void Dispose()
    {
        MediaPort[] ports;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ports = [.. _ports];
            _ports.Clear();
        }

        _relay.Forget(this);
        Close(ports, []);
    }
}
