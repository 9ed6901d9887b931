using Anchor.Media.Audio;
using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;

namespace Anchor.Pbx.Applications.Echo;

/// <summary>
/// The echo test (Asterisk's <c>*43</c>, <c>FeatureCodes:EchoTest</c>): Anchor answers, says what is about to happen,
/// beeps, and from then on sends the caller back what it sends — the first thing an admin tries when someone reports
/// one-way audio. Keys pressed are logged (which also proves the DTMF path).
/// </summary>
public sealed class EchoApplication : Application
{
    public override string Name => "Echo";

    public override async Task RunAsync(Call call)
    {
        Leg caller = call.Caller;
        if (call.Anchor(caller) is not AnchoredMedia media)
        {
            call.End(EndReason.MediaFailure, "the echo test needs the media relay", 503, "Service Unavailable (no media relay)");
            return;
        }

        if (!Leg.TryGetSdp(caller.Initial!.Request, out SessionDescription? offer, out _))
        {
            call.End(EndReason.MediaFailure, "the caller's SDP is unusable", 488, "Not Acceptable Here (SDP)");
            return;
        }

        // An INVITE without SDP gets Anchor's offer in the 200; the caller's answer comes in its ACK.
        byte[]? sdp = offer is null ? media.OfferLocally() : media.AnswerLocally(offer);
        if (sdp is null)
        {
            call.End(EndReason.MediaFailure, "no G.711 in the caller's offer", 488, "Not Acceptable Here (G.711 needed)");
            return;
        }

        caller.Answer(sdp);
        call.MarkAnswered();
        if (call.Host.Prompts is { } prompts)
        {
            await call.PlayAsync(caller, prompts.Say("echo-test"), bargeIn: true);
        }

        await call.PlayAsync(caller, new ClipSource(Tones.Beep));
        media.Local()?.Echo(true);
        await call.Completion;
    }
}
