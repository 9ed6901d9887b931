namespace Anchor.Sip.Dialogs;

/// <summary>Where a dialog's offer/answer exchange stands (RFC 3264 §4, RFC 3261 §13.2.1, RFC 6337 §2).</summary>
public enum OfferAnswerState
{
    /// <summary>No session description agreed yet.</summary>
    Initial,

    /// <summary>An offer and its answer were exchanged; either side may offer.</summary>
    Stable,

    /// <summary>Anchor sent an offer and waits for the answer.</summary>
    LocalOffer,

    /// <summary>The other side sent an offer and waits for Anchor's answer.</summary>
    RemoteOffer,
}

/// <summary>
/// The offer/answer state of one dialog as a state machine: one exchange at a time (RFC 3261 §14.1: a re-INVITE or
/// UPDATE with an offer while one is pending is glare, answered 491), an answer only for a pending offer, and a
/// rejected offer (a non-2xx to the re-INVITE) leaves the previous session in place (§14.1).
/// </summary>
public sealed class OfferAnswer
{
    private readonly Lock _gate = new();
    private OfferAnswerState _before = OfferAnswerState.Initial;

    public OfferAnswerState State { get; private set; } = OfferAnswerState.Initial;

    /// <summary>Anchor is about to send an offer; false (glare: do not send it) when an exchange is pending.</summary>
    public bool TryLocalOffer() => TryOffer(OfferAnswerState.LocalOffer);

    /// <summary>An offer arrived; false when an exchange is pending (answer it 491 Request Pending).</summary>
    public bool TryRemoteOffer() => TryOffer(OfferAnswerState.RemoteOffer);

    /// <summary>Anchor answered the other side's offer; false when there was none to answer.</summary>
    public bool LocalAnswer() => Complete(OfferAnswerState.RemoteOffer);

    /// <summary>The answer to Anchor's offer arrived; false when none was pending (an unexpected answer).</summary>
    public bool RemoteAnswer() => Complete(OfferAnswerState.LocalOffer);

    /// <summary>The pending offer was refused (non-2xx to its request): back to what was agreed before.</summary>
    public void Rollback()
    {
        lock (_gate)
        {
            if (State is OfferAnswerState.LocalOffer or OfferAnswerState.RemoteOffer)
            {
                State = _before;
            }
        }
    }

    private bool TryOffer(OfferAnswerState pending)
    {
        lock (_gate)
        {
            if (State is OfferAnswerState.LocalOffer or OfferAnswerState.RemoteOffer)
            {
                return false;
            }

            _before = State;
            State = pending;
            return true;
        }
    }

    private bool Complete(OfferAnswerState expected)
    {
        lock (_gate)
        {
            if (State != expected)
            {
                return false;
            }

            State = OfferAnswerState.Stable;
            return true;
        }
    }
}
