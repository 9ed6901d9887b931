using System.Net;
using Anchor.Media.Audio;
using Anchor.Media.Engine;
using Anchor.Media.Relay;
using Anchor.Media.Sdp;

namespace Anchor.Pbx.Calls.Media;

/// <summary>
/// A leg's media through Anchor: one relay port per stream of the party's SDP, taken from the call's
/// <see cref="MediaGroup"/>. The party is told Anchor's address and these ports; what it sends is forwarded to another
/// leg's ports (<see cref="ConnectTo"/>), played to and heard by Anchor's own engine (<see cref="Local"/>: prompts,
/// music on hold, DTMF, recording), or dropped while it holds. The ports stay the same throughout, so moving the party
/// between a bridge and an application needs no new SDP.
/// </summary>
public sealed class AnchoredMedia : IMediaEndpoint
{
    private readonly MediaGroup _group;
    private readonly string _party;
    private readonly List<MediaPort> _ports = [];
    private readonly long _sessionId = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private long _version;
    private bool _playingMusic;

    public AnchoredMedia(MediaGroup group, string party, IPAddress address)
    {
        _group = group;
        _party = party;
        Address = address;
    }

    /// <summary>The address this party is told to send to (the external address toward the Internet).</summary>
    public IPAddress Address { get; }

    public IReadOnlyList<MediaPort> Ports => _ports;

    /// <summary>The party's last SDP.</summary>
    public SessionDescription? Remote { get; private set; }

    /// <summary>The port of the party's audio stream (the first, unless a later one is the usable audio).</summary>
    public MediaPort? AudioPort
    {
        get
        {
            if (Remote is { } sdp)
            {
                for (int i = 0; i < sdp.Streams.Count && i < _ports.Count; i++)
                {
                    if (LocalDescription.Choose(sdp.Streams[i]) is not null)
                    {
                        return _ports[i];
                    }
                }
            }

            return _ports.Count > 0 ? _ports[0] : null;
        }
    }

    /// <summary>Whether the party's last SDP lets it receive (so that music may be played to it).</summary>
    public bool Receives => Remote?.Streams.FirstOrDefault(s => !s.Disabled) is { } s && !s.NullAddress
        && s.Direction is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    public bool Learn(SessionDescription sdp)
    {
        if (!Ensure(sdp.Streams.Count))
        {
            return false;
        }

        Remote = sdp;
        for (int i = 0; i < sdp.Streams.Count; i++)
        {
            MediaStream s = sdp.Streams[i];

            // Silence ends the call only from a party that says it sends and receives: a holder (sendonly) often
            // sends nothing at all for as long as the hold lasts.
            _ports[i].SetRemote(s, expectMedia: !s.Disabled && !s.NullAddress && s.Direction == MediaDirection.SendRecv);
        }

        return true;
    }

    public byte[]? Present(SessionDescription other) =>
        Ensure(other.Streams.Count) ? other.Rewrite(Address, _ports.Select(p => p.Port).ToArray()) : null;

    /// <summary>Anchor's answer to the party's <paramref name="offer"/> (its own engine on the audio port); null: nothing usable (488).</summary>
    /// <param name="prefer">The G.711 to pick when the offer lists it (PCMU, PCMA): the one the other party of a join speaks.</param>
    public byte[]? AnswerLocally(SessionDescription offer, string? prefer = null)
    {
        if (!Learn(offer) || LocalDescription.FirstUsable(offer) is null)
        {
            return null;
        }

        int index = offer.Streams.ToList().IndexOf(LocalDescription.FirstUsable(offer)!);
        return LocalDescription.Answer(offer, Address, _ports[index].Port, _sessionId, ++_version, prefer);
    }

    /// <summary>The G.711 this party speaks with Anchor, as its last SDP and Anchor's choice give it; null when none.</summary>
    public string? Codec => Remote is { } sdp && LocalDescription.FirstUsable(sdp) is { } s ? LocalDescription.Choose(s)!.Value.Audio.Encoding : null;

    /// <summary>Anchor's own offer (late offer: the party's INVITE had no SDP); the answer comes back through <see cref="Learn"/>.</summary>
    public byte[]? OfferLocally(MediaDirection direction = MediaDirection.SendRecv) =>
        Ensure(1) ? LocalDescription.Offer(Address, _ports[0].Port, _sessionId, ++_version, direction) : null;

    /// <summary>
    /// An offer to this party with what <paramref name="other"/>'s party agreed with Anchor (its first G.711 and its
    /// telephone-event type): Anchor calls this party for one it has answered, and joins the two at the ports.
    /// </summary>
    public byte[]? OfferMatching(AnchoredMedia other)
    {
        if (other.Remote is not { } sdp || LocalDescription.FirstUsable(sdp) is not { } stream || !Ensure(1))
        {
            return OfferLocally();
        }

        (RtpFormat audio, RtpFormat? events) = LocalDescription.Choose(stream)!.Value;
        return LocalDescription.OfferWith(audio, events, Address, _ports[0].Port, _sessionId, ++_version);
    }

    /// <summary>Anchor's own engine becomes the party's other side (on the audio port).</summary>
    public LocalStream? Local()
    {
        _playingMusic = false;
        return AudioPort?.Local();
    }

    /// <summary>What this party sends goes to <paramref name="other"/>'s party, stream by stream (one direction; call both ways for a bridge).</summary>
    public void ConnectTo(AnchoredMedia other)
    {
        _playingMusic = false;
        for (int i = 0; i < _ports.Count; i++)
        {
            _ports[i].ForwardTo(i < other._ports.Count ? other._ports[i] : null);
        }
    }

    /// <summary>What this party sends goes nowhere (it holds the other side).</summary>
    public void Idle()
    {
        _playingMusic = false;
        foreach (MediaPort p in _ports)
        {
            p.Idle();
        }
    }

    /// <summary>Plays music to this party (it is held) unless it already hears it; what it sends is not forwarded meanwhile.</summary>
    public void PlayMusic(MusicOnHold music)
    {
        if (_playingMusic)
        {
            return;
        }

        if (Local() is { } stream)
        {
            stream.Play(music.Play(), playId: -1);
            _playingMusic = true;
        }

        foreach (MediaPort p in _ports.Where(p => p != AudioPort))
        {
            p.Idle(); // video and the rest: nothing to show a held party
        }
    }

    public bool PlayingMusic => _playingMusic;

    /// <summary>What the party sent on its audio port (for the call's log and records).</summary>
    public StreamCounters? AudioCounters => AudioPort?.Counters();

    public void Release()
    {
        foreach (MediaPort p in _ports)
        {
            p.Release();
        }

        _ports.Clear();
    }

    private bool Ensure(int count)
    {
        try
        {
            while (_ports.Count < count)
            {
                _ports.Add(_group.AddPort(_party));
            }

            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return false; // no relay port free, or the call is ending
        }
    }
}
