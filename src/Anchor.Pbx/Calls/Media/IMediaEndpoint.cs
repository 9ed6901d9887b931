using Anchor.Media.Sdp;

namespace Anchor.Pbx.Calls.Media;

/// <summary>
/// How one leg's media is carried, behind one interface (a feature never talks to sockets): straight between the
/// phones (<see cref="DirectMedia"/>: Figure 1, SDP passes untouched) or through Anchor's ports
/// (<see cref="AnchoredMedia"/>: relayed to the other leg, or answered by Anchor's own engine).
/// </summary>
public interface IMediaEndpoint
{
    /// <summary>The party sent <paramref name="sdp"/> (an offer or an answer). False: its media cannot be set up (no relay port free).</summary>
    bool Learn(SessionDescription sdp);

    /// <summary>What to send this leg's party for the other side's <paramref name="other"/>; null when it cannot be set up.</summary>
    byte[]? Present(SessionDescription other);

    /// <summary>Gives back what the endpoint holds (ports); the leg has ended.</summary>
    void Release();
}
