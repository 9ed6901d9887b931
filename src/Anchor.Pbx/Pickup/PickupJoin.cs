using Anchor.Media.Sdp;
using Anchor.Pbx.Applications;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Pickup;

/// <summary>
/// Joins a picker's phone to a call whose rung phones were just CANCELed: the picker's INVITE becomes a second
/// incoming leg of the call, Anchor answers both (the caller's INVITE too, if it still rings) from the relay, and the
/// two relay ports are joined. Both answers are Anchor's own G.711 choice from each party's offer.
/// </summary>
public static class PickupJoin
{
    public static async Task RunAsync(Call call, ServerTransaction invite, string extension)
    {
        Leg caller = call.Caller;
        Leg picker = call.AddIncoming(invite, extension, facesTrunk: false, call.Info.Caller);
        if (!Leg.TryGetSdp(invite.Request, out SessionDescription? pickerOffer, out _) || pickerOffer is null)
        {
            picker.Reject(488, "Not Acceptable Here (pickup needs an offer in the INVITE)");
            call.End(EndReason.MediaFailure, "the picker's INVITE had no usable offer", 480, "Temporarily Unavailable");
            return;
        }

        // The caller's side first: the picker is then answered with the same G.711, so the relay joins like with like.
        string? codec;
        byte[]? answerCaller = null;
        if (caller.State != LegState.Confirmed)
        {
            if (!Leg.TryGetSdp(caller.Initial!.Request, out SessionDescription? callerOffer, out _) || callerOffer is null
                || (caller.Media as AnchoredMedia ?? call.Anchor(caller)) is not { } callerMedia || callerMedia.AnswerLocally(callerOffer) is not { } callerAnswer)
            {
                picker.Reject(488, "Not Acceptable Here");
                call.End(EndReason.MediaFailure, "the caller's offer cannot be answered for a pickup", 488, "Not Acceptable Here");
                return;
            }

            answerCaller = callerAnswer;
            codec = callerMedia.Codec;
        }
        else if (caller.Media is AnchoredMedia answered)
        {
            codec = answered.Codec;
        }
        else
        {
            picker.Reject(488, "Not Acceptable Here");
            return;
        }

        if (call.Anchor(picker) is not { } pickerMedia || pickerMedia.AnswerLocally(pickerOffer, codec) is not { } pickerAnswer)
        {
            picker.Reject(503, "Service Unavailable (no media relay)");
            call.End(EndReason.MediaFailure, "pickup needs the media relay", 480, "Temporarily Unavailable");
            return;
        }

        // Joined before either 200 leaves: a party may send its first packet the moment it has its answer.
        var bridge = new Bridge(call, caller, picker);
        bridge.UpdateMedia();
        if (answerCaller is not null)
        {
            caller.Answer(answerCaller);
        }

        picker.Answer(pickerAnswer);
        call.MarkAnswered();
        call.Note($"{extension} picked the call up");
        await call.Completion;
    }
}

/// <summary>A proxied call that rang at an extension, handed over because another phone picked it up.</summary>
public sealed class PickedUpApplication(ServerTransaction picker, string extension) : Application
{
    public override string Name => "Pickup";

    public override Task RunAsync(Call call) => PickupJoin.RunAsync(call, picker, extension);
}
