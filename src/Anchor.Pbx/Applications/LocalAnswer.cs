using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;

namespace Anchor.Pbx.Applications;

/// <summary>Anchor answers the caller itself, with its own media engine (what every voice application starts with).</summary>
public static class LocalAnswer
{
    /// <summary>
    /// Answers the caller's INVITE with Anchor's SDP (an answer to its offer, or Anchor's offer for a late one) unless
    /// the call is answered already, and returns what the application says and hears on the caller's leg; null (and the
    /// call ended with the reason) when it cannot be. Anchor's engine takes the caller's media and its keys are kept
    /// before the 200 leaves, so a key pressed the moment the call is up is type-ahead, not lost.
    /// </summary>
    public static Voice? Answer(Call call)
    {
        Leg caller = call.Caller;
        var voice = new Voice(call, caller);
        if (caller.State == LegState.Confirmed)
        {
            return caller.Media is AnchoredMedia && call.Listen(caller) ? voice : null;
        }

        if ((caller.Media as AnchoredMedia ?? call.Anchor(caller)) is not AnchoredMedia media)
        {
            call.End(EndReason.MediaFailure, "Anchor's own media needs the relay", 503, "Service Unavailable (no media relay)");
            return null;
        }

        if (!Leg.TryGetSdp(caller.Initial!.Request, out SessionDescription? offer, out _))
        {
            call.End(EndReason.MediaFailure, "the caller's SDP is unusable", 488, "Not Acceptable Here (SDP)");
            return null;
        }

        byte[]? sdp = offer is null ? media.OfferLocally() : media.AnswerLocally(offer);
        if (sdp is null)
        {
            call.End(EndReason.MediaFailure, "no G.711 in the caller's offer", 488, "Not Acceptable Here (G.711 needed)");
            return null;
        }

        call.Listen(caller);
        caller.Answer(sdp);
        call.MarkAnswered();
        return voice;
    }

    /// <summary>Waits <paramref name="delay"/> on the call's timer queue (cancelled when the call ends).</summary>
    public static Task DelayAsync(Call call, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = new Anchor.Sip.Transactions.SipTimer(call.Host.Transactions.TimerQueue, () => done.TrySetResult());
        timer.Start(delay);
        call.Ended.Register(() => done.TrySetCanceled());
        return done.Task;
    }
}
