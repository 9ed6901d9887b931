using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Applications.Dial;

/// <summary>
/// Rings a party for the caller and joins them (Asterisk's Dial()): a new leg INVITEs the targets (forking to every
/// contact of an extension, or to the trunk with its account), ringing and early media are relayed to the caller, the
/// answer is passed on and the two legs are bridged. Failures reach the caller as a phone expects: the ITSP's trouble
/// (no response, 5xx, refused credentials) as 503, a phone's refusal as it was. Media goes through Anchor's relay when
/// <see cref="DialRequest.Anchored"/> (hold then plays music), straight between the phones otherwise.
/// </summary>
public sealed class DialApplication : Application, IInviteClientUser
{
    private readonly DialRequest _request;
    private readonly TaskCompletionSource<bool> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Call? _call;
    private Leg? _callee;
    private bool _lateOffer;

    public DialApplication(DialRequest request) => _request = request;

    public override string Name => "Dial";

    public override async Task RunAsync(Call call)
    {
        _call = call;
        Leg caller = call.Caller;
        SipMessage invite = caller.Initial!.Request;
        if (!Leg.TryGetSdp(invite, out SessionDescription? offer, out string? error))
        {
            call.Note($"the caller's SDP does not parse: {error}");
            call.End(EndReason.MediaFailure, "the caller's SDP is unusable", 488, "Not Acceptable Here (SDP)");
            return;
        }

        Leg callee = call.AddOutgoing(_request.CalleeName, _request.Targets[0].Destination, facesTrunk: _request.Trunk is not null, _request.ContactUser);
        _callee = callee;
        if (_request.Anchored && (call.Anchor(caller) is null || call.Anchor(callee) is null))
        {
            call.End(EndReason.MediaFailure, "no media relay", 503, "Service Unavailable (no media relay)");
            return;
        }

        byte[]? body = null;
        string? contentType = null;
        if (offer is not null)
        {
            if (!caller.Media.Learn(offer) || (body = callee.Media.Present(offer)) is null)
            {
                call.End(EndReason.MediaFailure, "no relay ports free", 503, "Service Unavailable (no media ports)");
                return;
            }

            contentType = "application/sdp";
            caller.HoldsPeer = offer.Streams.FirstOrDefault(s => !s.Disabled)?.IsHold ?? false;
        }
        else if (invite.Body.Length > 0)
        {
            body = invite.BodySpan.ToArray();
            contentType = invite.GetHeaderString("Content-Type");
        }
        else
        {
            _lateOffer = true; // the offer will come in the answer's 2xx, the caller's answer in its ACK (§13.2.1)
        }

        var options = new InviteClientOptions
        {
            TimerC = call.Host.TimerC,
            NoResponseTimeout = _request.Trunk?.Options.ResponseTimeout ?? TimeSpan.Zero,
            Credentials = _request.Trunk?.Credentials, // the trunk's account, only toward the trunk (never handed to a phone)
        };
        int maxForwards = Math.Max(0, invite.MaxForwards < 0 ? 70 : invite.MaxForwards - 1);
        callee.Dial(_request.Targets, _request.From, _request.To, body, contentType, _request.Headers, options, this, maxForwards);
        call.MarkRinging();
        if (await _outcome.Task)
        {
            await call.Completion;
        }
    }

    public void OnProvisional(InviteClient client, InviteClient.Branch branch, SipMessage response)
    {
        Call call = _call!;
        if (call.State == CallState.Ended || call.Caller.Initial!.Finished)
        {
            return;
        }

        byte[]? sdp = null;
        if (Leg.TryGetSdp(response, out SessionDescription? early, out _) && early is not null && _callee!.Media.Learn(early))
        {
            sdp = call.Caller.Media.Present(early); // early media (ring-back from the ITSP): relayed like the rest
            ConnectEarlyMedia();
        }

        call.Caller.Progress(response.StatusCode, System.Text.Encoding.UTF8.GetString(response.Reason), sdp);
    }

    public void OnAnswered(InviteClient client, InviteClient.Branch branch, SipMessage response, Dialog dialog)
    {
        Call call = _call!;
        Leg caller = call.Caller;
        Leg callee = _callee!;
        callee.Confirm(dialog);
        if (call.State == CallState.Ended)
        {
            callee.Ack();
            callee.Hangup();
            return;
        }

        byte[]? sdp = null;
        if (!Leg.TryGetSdp(response, out SessionDescription? answer, out _))
        {
            call.Note("the answer's SDP does not parse; hanging up");
            callee.Ack();
            call.End(EndReason.MediaFailure, "unreadable SDP in the answer", 502, "Bad Gateway (unreadable SDP)");
            return;
        }

        if (answer is not null)
        {
            if (!callee.Media.Learn(answer) || (sdp = caller.Media.Present(answer)) is null)
            {
                callee.Ack();
                call.End(EndReason.MediaFailure, "no relay ports free", 503, "Service Unavailable (no media ports)");
                return;
            }

            callee.HoldsPeer = _lateOffer && (answer.Streams.FirstOrDefault(s => !s.Disabled)?.IsHold ?? false);
        }

        var bridge = new Bridge(call, caller, callee);
        bridge.ExpectInitialAck(caller, callee, _lateOffer);
        if (!_lateOffer)
        {
            bridge.UpdateMedia(); // before the 200 leaves: the caller may send its first packet the moment it has it
        }

        caller.Answer(sdp);
        call.MarkAnswered();
        _outcome.TrySetResult(true);
    }

    public void OnFailed(InviteClient client, InviteFailure failure)
    {
        Call call = _call!;
        if (call.State == CallState.Ended)
        {
            _outcome.TrySetResult(false);
            return;
        }

        int status = failure.Status;
        string reason = failure.Reason;
        EndReason why = status switch
        {
            408 or 480 => EndReason.NoAnswer,
            503 or 502 or 504 => EndReason.Unavailable,
            _ => EndReason.Refused,
        };
        if (_request.Trunk is { } trunk && (failure.NoResponse || status is 401 or 407 or 408 or (>= 500 and < 600) or < 400))
        {
            // The ITSP failed us (no response, timeout, 5xx, refused credentials): the phone hears "service unavailable".
            if (failure.NoResponse)
            {
                call.Host.Log.LogWarning("{Call}: no response from trunk {Trunk} at {Proxy} within {Timeout} s; the phone gets 503",
                    call.Description, trunk.Name, trunk.Options.Proxy, trunk.Options.ResponseTimeout.TotalSeconds);
            }
            else
            {
                call.Host.Log.LogWarning("{Call}: trunk {Trunk} answered {Status}; the phone gets 503", call.Description, trunk.Name, status);
            }

            (status, reason, why) = (503, "Service Unavailable", EndReason.TrunkFailure);
        }
        else if (status is < 400 or 401 or 407)
        {
            (status, reason) = (480, "Temporarily Unavailable");
        }

        call.End(why, $"{status} {reason}", status, reason);
        _outcome.TrySetResult(false);
    }

    public void OnTimerC(InviteClient client, InviteClient.Branch branch) =>
        _call!.Host.Log.LogInformation("{Call}: Timer C: no answer in {TimerC}; cancelling", _call.Description, _call.Host.TimerC);

    /// <summary>Early media both ways, as soon as the called side has said where it is.</summary>
    private void ConnectEarlyMedia()
    {
        if (_call!.Caller.Media is AnchoredMedia a && _callee!.Media is AnchoredMedia b)
        {
            a.ConnectTo(b);
            b.ConnectTo(a);
        }
    }
}
