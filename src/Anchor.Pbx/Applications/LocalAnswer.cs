using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;

namespace Anchor.Pbx.Applications;

/// <summary>Anchor answers the caller itself, with its own media engine (what every voice application starts with).</summary>
public static class LocalAnswer
{
    /// <summary>
    /// Answers the caller's INVITE with Anchor's SDP (an answer to its offer, or Anchor's offer for a late one) unless
    /// the call is answered already; false (and the call ended with the reason) when it cannot be.
    /// </summary>
    public static bool TryAnswer(Call call)
    {
        Leg caller = call.Caller;
        if (caller.State == LegState.Confirmed)
        {
            return caller.Media is AnchoredMedia;
        }

        if ((caller.Media as AnchoredMedia ?? call.Anchor(caller)) is not AnchoredMedia media)
        {
            call.End(EndReason.MediaFailure, "Anchor's own media needs the relay", 503, "Service Unavailable (no media relay)");
            return false;
        }

        if (!Leg.TryGetSdp(caller.Initial!.Request, out SessionDescription? offer, out _))
        {
            call.End(EndReason.MediaFailure, "the caller's SDP is unusable", 488, "Not Acceptable Here (SDP)");
            return false;
        }

        byte[]? sdp = offer is null ? media.OfferLocally() : media.AnswerLocally(offer);
        if (sdp is null)
        {
            call.End(EndReason.MediaFailure, "no G.711 in the caller's offer", 488, "Not Acceptable Here (G.711 needed)");
            return false;
        }

        caller.Answer(sdp);
        call.MarkAnswered();
        return true;
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
