using System.Net;
using Anchor.Media.Engine;
using Anchor.Media.Sdp;

namespace Anchor.Media.Relay;

/// <summary>
/// One relay port pair (RTP on an even port, RTCP on the next) facing one party's stream. What arrives from the party
/// goes one of three ways: forwarded out of another port to that port's party (<see cref="ForwardTo"/>; two calls make
/// a two-way bridge), taken by Anchor's own <see cref="LocalStream"/>, which also sends from this port
/// (<see cref="Local"/>), or dropped (<see cref="Idle"/>). The address the party is sent to is learnt from its SDP and
/// then from where its packets really come from (symmetric RTP). Every change is carried out on the engine's thread.
/// </summary>
public sealed class MediaPort
{
    private readonly MediaGroup _group;
    private LocalStream? _local;
    private MediaStream? _remote;

    internal MediaPort(MediaGroup group, string party, RelayEndpoint rtp, RelayEndpoint rtcp)
    {
        _group = group;
        Party = party;
        Rtp = rtp;
        Rtcp = rtcp;
    }

    public MediaGroup Group => _group;

    /// <summary>Whose stream this is (the call's name for the party: timeouts are reported by it).</summary>
    public string Party { get; }

    /// <summary>The RTP port; RTCP is the next one.</summary>
    public int Port => Rtp.Port;

    /// <summary>What the party's last SDP said about this stream.</summary>
    public MediaStream? Remote => Volatile.Read(ref _remote);

    /// <summary>Where the party's packets really come from, once any have.</summary>
    public IPEndPoint? Latched => Rtp.Latched ? Rtp.Remote : null;

    /// <summary>Anchor's own stream on this port, once <see cref="Local"/> has made it (whether or not it runs now).</summary>
    public LocalStream? Stream => _local;

    internal RelayEndpoint Rtp { get; }

    internal RelayEndpoint Rtcp { get; }

    private RelayEngine Engine => _group.Engine;

    /// <summary>
    /// Records what the party's SDP says about this stream: where to send (until its packets show where it really
    /// is), its payload types, and whether it sends (<paramref name="expectMedia"/>: whether its silence should end the call).
    /// </summary>
    public void SetRemote(MediaStream stream, bool expectMedia)
    {
        Volatile.Write(ref _remote, stream);
        Engine.Post(() =>
        {
            Rtp.SetSignalled(stream.RtpEndPoint);
            Rtcp.SetSignalled(stream.RtcpEndPoint);
            Rtp.ClockRate = stream.ClockRate;
            Rtp.SetFormats(stream.Formats);
            Rtp.ExpectMedia = expectMedia;
            Rtcp.ExpectMedia = false;
            long now = Engine.Time.GetTimestamp();
            Rtp.LastPacketTicks = now;
            Rtcp.LastPacketTicks = now;
            _local?.Configure(stream);
        });
    }

    /// <summary>Packets from this port's party go to <paramref name="other"/>'s party (null: nowhere). Anchor's own stream here stops.</summary>
    public void ForwardTo(MediaPort? other) => Engine.Post(() =>
    {
        StopLocal();
        Rtp.Peer = other?.Rtp;
        Rtcp.Peer = other?.Rtcp;
    });

    /// <summary>Drops what the party sends (it is on hold, or nobody listens); Anchor's own stream here stops.</summary>
    public void Idle() => ForwardTo(null);

    /// <summary>Makes Anchor this party's other side: its packets go to the returned stream, which sends from this port.</summary>
    public LocalStream Local()
    {
        LocalStream stream = _local ??= new LocalStream(Engine, Rtp, Rtcp);
        Engine.Post(() =>
        {
            Rtp.Peer = null;
            Rtcp.Peer = null;
            Rtp.Local = stream;
            stream.Configure(Remote);
            Engine.Attach(stream);
            Engine.SetReadInterest(Rtp, false); // the stream reads its socket on its own tick
        });
        return stream;
    }

    /// <summary>What the party sent here: RTP packets, loss, jitter, and where they came from.</summary>
    public StreamCounters Counters() => Rtp.Snapshot();

    public StreamCounters RtcpCounters() => Rtcp.Snapshot();

    /// <summary>Gives the port back (the party left the call); the rest of the group carries on.</summary>
    public void Release() => _group.Release(this);

    private void StopLocal()
    {
        if (Rtp.Local is { } s)
        {
            Engine.Detach(s);
            Rtp.Local = null;
            Engine.SetReadInterest(Rtp, true);
        }
    }

    /// <summary>Engine thread: stops forwarding into <paramref name="closing"/>.</summary>
    internal void Unpeer(MediaPort closing)
    {
        if (Rtp.Peer == closing.Rtp)
        {
            Rtp.Peer = null;
            Rtcp.Peer = null;
        }
    }

    internal void OnEngineClose()
    {
        StopLocal();
        Rtp.Peer = null;
        Rtcp.Peer = null;
    }
}
