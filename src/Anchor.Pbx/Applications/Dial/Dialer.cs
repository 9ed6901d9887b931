using Anchor.Media.Audio;
using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Pbx.Presence;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Applications.Dial;

/// <summary>What became of ringing a party.</summary>
public enum DialResult
{
    Answered,
    Busy,
    NoAnswer,
    Unavailable,
    Refused,
    TrunkFailure,
    MediaFailure,

    /// <summary>The caller hung up or cancelled first.</summary>
    CallerGone,

    /// <summary>The phone answered 3xx: <see cref="DialOutcome.RedirectTo"/> is where it sends the call.</summary>
    Redirected,

    /// <summary>Another phone picked the call up (<see cref="DialOutcome.Picker"/>): the rung phones were CANCELed.</summary>
    PickedUp,
}

/// <param name="Status">What the caller should hear when the call fails (already mapped: the ITSP's trouble is 503).</param>
public sealed record DialOutcome(DialResult Result, int Status, string Reason, Leg? Callee)
{
    /// <summary>The user of the Contact a phone redirected the call to (a 3xx).</summary>
    public string? RedirectTo { get; init; }

    /// <summary>The INVITE of the phone that picked the call up, and its extension.</summary>
    public (ServerTransaction Invite, string Extension)? Picker { get; init; }

    /// <summary>Whether the party was simply not there for the caller (busy, no answer, not registered): what sends a call to voicemail.</summary>
    public bool Missed => Result is DialResult.Busy or DialResult.NoAnswer or DialResult.Unavailable;

    public EndReason EndReason => Result switch
    {
        DialResult.NoAnswer => EndReason.NoAnswer,
        DialResult.Unavailable => EndReason.Unavailable,
        DialResult.TrunkFailure => EndReason.TrunkFailure,
        DialResult.MediaFailure => EndReason.MediaFailure,
        _ => EndReason.Refused,
    };
}

/// <summary>
/// Rings a party for the caller of a call and, when it answers, joins the two in a <see cref="Bridge"/>. Two cases:
/// the caller still rings (its INVITE is unanswered: ringing and early media are relayed to it, the answer becomes its
/// 200, a late offer is carried through the ACKs), or Anchor has answered it already (an auto attendant transferring:
/// the party is offered the codec the caller agreed, the caller hears ring-back from Anchor, and on answer the two
/// relay ports are joined — no re-INVITE). Forking, trunk credentials, Timer C and the ITSP's no-response timeout are
/// the <see cref="InviteClient"/>'s; an optional no-answer time CANCELs and reports <see cref="DialResult.NoAnswer"/>.
/// </summary>
public sealed class Dialer : IInviteClientUser
{
    private readonly Call _call;
    private readonly DialRequest _request;
    private readonly TaskCompletionSource<DialOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _callerAnswered;
    private Leg? _callee;
    private bool _lateOffer;
    private bool _noAnswer;
    private SipTimer? _noAnswerTimer;
    private IDisposable? _ringing;
    private string[] _extensions = [];
    private string? _redirect;

    private Dialer(Call call, DialRequest request)
    {
        _call = call;
        _request = request;
        _callerAnswered = call.Caller.State == LegState.Confirmed;
    }

    /// <summary>Rings the request's targets for <paramref name="call"/>'s caller; <paramref name="noAnswer"/> (zero: none) gives up.</summary>
    public static Task<DialOutcome> DialAsync(Call call, DialRequest request, TimeSpan noAnswer = default)
    {
        var d = new Dialer(call, request);
        call.Ended.Register(() => d._outcome.TrySetResult(new DialOutcome(DialResult.CallerGone, 487, "Request Terminated", null)));
        d.Start(noAnswer);
        return d._outcome.Task;
    }

    private void Start(TimeSpan noAnswer)
    {
        Call call = _call;
        Leg caller = call.Caller;
        Leg callee = call.AddOutgoing(_request.CalleeName, _request.Targets[0].Destination, facesTrunk: _request.Trunk is not null, _request.ContactUser);
        _callee = callee;
        byte[]? body;
        string? contentType = "application/sdp";
        if (_callerAnswered)
        {
            if (caller.Media is not AnchoredMedia callerMedia || call.Anchor(callee) is not { } calleeMedia || (body = calleeMedia.OfferMatching(callerMedia)) is null)
            {
                Finish(DialResult.MediaFailure, 503, "Service Unavailable (no media ports)");
                return;
            }

            if (_request.MusicWhileRinging && call.Host.Music is { } music)
            {
                callerMedia.PlayMusic(music);
            }
            else
            {
                _ = call.PlayAsync(caller, new ClipSource(Tones.RingBack, loop: true)); // ring-back from Anchor until the answer
            }
        }
        else if (!Prepare(caller, callee, out body, out contentType))
        {
            return;
        }

        var options = new InviteClientOptions
        {
            TimerC = call.Host.TimerC,
            NoResponseTimeout = _request.Trunk?.Options.ResponseTimeout ?? TimeSpan.Zero,
            Credentials = _request.Trunk?.Credentials, // the trunk's account, only toward the trunk (never handed to a phone)
        };
        SipMessage? invite = caller.Initial?.Request;
        int maxForwards = invite is null ? 70 : Math.Max(0, invite.MaxForwards < 0 ? 70 : invite.MaxForwards - 1);
        callee.Dial(_request.Targets, _request.From, _request.To, body, body is null ? null : contentType, _request.Headers, options, this, maxForwards);
        call.MarkRinging();
        _extensions = _request.TargetExtensions.OfType<string>().Distinct().ToArray();
        if (_extensions.Length > 0 && call.Host.Router is { } router)
        {
            foreach (string ext in _extensions)
            {
                Line(ext, LinePhase.Trying);
            }

            // Another phone may pick the call up while it rings (pickup codes, a busy lamp's key).
            _ringing = router.Ringing.Add(_extensions, callee.CallId!, (tx, picker) => call.Gate.Post(() => OnPickup(tx, picker)));
        }

        if (noAnswer > TimeSpan.Zero)
        {
            _noAnswerTimer = new SipTimer(call.Host.Transactions.TimerQueue, () => call.Gate.Post(OnNoAnswer));
            _noAnswerTimer.Start(noAnswer);
        }
    }

    /// <summary>The caller still rings: its offer (or none: a late offer) goes on to the party, through the relay when anchored.</summary>
    private bool Prepare(Leg caller, Leg callee, out byte[]? body, out string? contentType)
    {
        body = null;
        contentType = "application/sdp";
        SipMessage invite = caller.Initial!.Request;
        if (!Leg.TryGetSdp(invite, out SessionDescription? offer, out string? error))
        {
            _call.Note($"the caller's SDP does not parse: {error}");
            Finish(DialResult.MediaFailure, 488, "Not Acceptable Here (SDP)");
            return false;
        }

        if (_request.Anchored && ((caller.Media is not AnchoredMedia && _call.Anchor(caller) is null) || _call.Anchor(callee) is null))
        {
            Finish(DialResult.MediaFailure, 503, "Service Unavailable (no media relay)");
            return false;
        }

        if (offer is not null)
        {
            if (!caller.Media.Learn(offer) || (body = callee.Media.Present(offer)) is null)
            {
                Finish(DialResult.MediaFailure, 503, "Service Unavailable (no media ports)");
                return false;
            }

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

        return true;
    }

    public void OnProvisional(InviteClient client, InviteClient.Branch branch, SipMessage response)
    {
        if (!_outcome.Task.IsCompleted && response.StatusCode > 100 && ExtensionOf(branch) is { } ext)
        {
            Line(ext, LinePhase.Early, (response.To.HasTag ? System.Text.Encoding.ASCII.GetString(response.To.Tag) : null));
        }

        if (_outcome.Task.IsCompleted || _callerAnswered || _call.Caller.Initial!.Finished)
        {
            return;
        }

        byte[]? sdp = null;
        if (Leg.TryGetSdp(response, out SessionDescription? early, out _) && early is not null && _callee!.Media.Learn(early))
        {
            sdp = _call.Caller.Media.Present(early); // early media (ring-back from the ITSP): relayed like the rest
            if (_call.Caller.Media is AnchoredMedia a && _callee.Media is AnchoredMedia b)
            {
                a.ConnectTo(b);
                b.ConnectTo(a);
            }
        }

        _call.Caller.Progress(response.StatusCode, System.Text.Encoding.UTF8.GetString(response.Reason), sdp);
    }

    public void OnAnswered(InviteClient client, InviteClient.Branch branch, SipMessage response, Dialog dialog)
    {
        Leg caller = _call.Caller;
        Leg callee = _callee!;
        callee.Confirm(dialog);
        if (_call.State == CallState.Ended || _outcome.Task.IsCompleted)
        {
            callee.Ack();
            callee.Hangup();
            return;
        }

        _noAnswerTimer?.Cancel();
        if (!Leg.TryGetSdp(response, out SessionDescription? answer, out _))
        {
            _call.Note("the answer's SDP does not parse; hanging up");
            callee.Ack();
            callee.Hangup();
            Finish(DialResult.MediaFailure, 502, "Bad Gateway (unreadable SDP)");
            return;
        }

        byte[]? sdp = null;
        if (answer is not null && (!callee.Media.Learn(answer) || (!_callerAnswered && (sdp = caller.Media.Present(answer)) is null)))
        {
            callee.Ack();
            callee.Hangup();
            Finish(DialResult.MediaFailure, 503, "Service Unavailable (no media ports)");
            return;
        }

        var bridge = new Bridge(_call, caller, callee);
        if (_callerAnswered)
        {
            _call.Note($"{_request.CalleeName} answered");
            _call.StopPlayback(caller);
            callee.Ack();
            bridge.UpdateMedia(); // the two relay ports now forward to each other
        }
        else
        {
            callee.HoldsPeer = _lateOffer && (answer?.Streams.FirstOrDefault(s => !s.Disabled)?.IsHold ?? false);
            bridge.ExpectInitialAck(caller, callee, _lateOffer);
            if (!_lateOffer)
            {
                bridge.UpdateMedia(); // before the 200 leaves: the caller may send its first packet the moment it has it
            }

            caller.Answer(sdp);
        }

        _call.MarkAnswered();
        _ringing?.Dispose();
        string? answered = ExtensionOf(branch);
        foreach (string ext in _extensions.Where(e => e != answered))
        {
            Line(ext, LinePhase.Terminated);
        }

        callee.Extension = answered;
        if (answered is not null)
        {
            Line(answered, LinePhase.Confirmed, (response.To.HasTag ? System.Text.Encoding.ASCII.GetString(response.To.Tag) : null));
            _call.OnEnd(() => Line(answered, LinePhase.Terminated));
        }

        _outcome.TrySetResult(new DialOutcome(DialResult.Answered, 200, "OK", callee));
    }

    public void OnFailed(InviteClient client, InviteFailure failure)
    {
        if (_outcome.Task.IsCompleted)
        {
            return;
        }

        _noAnswerTimer?.Cancel();
        if (_call.State == CallState.Ended || (failure.Cancelled && !_noAnswer))
        {
            Finish(DialResult.CallerGone, 487, "Request Terminated");
            return;
        }

        int status = failure.Status;
        string reason = failure.Reason;
        DialResult result = status switch
        {
            486 or 600 or 603 => DialResult.Busy,
            408 or 480 or 487 => DialResult.NoAnswer,
            503 or 502 or 504 or 404 or 410 => DialResult.Unavailable,
            _ => DialResult.Refused,
        };
        if (_request.Trunk is { } trunk && (failure.NoResponse || status is 401 or 407 or 408 or (>= 500 and < 600) or < 400))
        {
            // The ITSP failed us (no response, timeout, 5xx, refused credentials): the phone hears "service unavailable".
            if (failure.NoResponse)
            {
                _call.Host.Log.LogWarning("{Call}: no response from trunk {Trunk} at {Proxy} within {Timeout} s; the phone gets 503",
                    _call.Description, trunk.Name, trunk.Options.Proxy, trunk.Options.ResponseTimeout.TotalSeconds);
            }
            else
            {
                _call.Host.Log.LogWarning("{Call}: trunk {Trunk} answered {Status}; the phone gets 503", _call.Description, trunk.Name, status);
            }

            (status, reason, result) = (503, "Service Unavailable", DialResult.TrunkFailure);
        }
        else if (status is >= 300 and < 400 && _request.Trunk is null && failure.Response is { } moved && moved.TryGetContact(out NameAddress contact)
            && !contact.IsStar && contact.Uri.HasUser)
        {
            // A phone's own forward (§8.1.3.4): Anchor follows it for the call (DialApplication), never the caller.
            _redirect = contact.Uri.UserUnescaped;
            (status, reason, result) = (480, "Temporarily Unavailable", DialResult.Redirected);
        }
        else if (status is < 400 or 401 or 407)
        {
            (status, reason) = (480, "Temporarily Unavailable");
        }

        Finish(result, status, reason);
    }

    public void OnTimerC(InviteClient client, InviteClient.Branch branch) =>
        _call.Host.Log.LogInformation("{Call}: Timer C: no answer in {TimerC}; cancelling", _call.Description, _call.Host.TimerC);

    private void OnNoAnswer()
    {
        if (_outcome.Task.IsCompleted || _call.State == CallState.Ended)
        {
            return;
        }

        _noAnswer = true;
        _call.Note($"{_request.CalleeName} did not answer in time");
        _callee?.Hangup(); // CANCEL; a 2xx that crosses it is ACKed and hung up by the INVITE client
        Finish(DialResult.NoAnswer, 480, "Temporarily Unavailable");
    }

    /// <summary>A phone picked the call up: the rung phones are CANCELed and the application joins the picker (inside the gate).</summary>
    private void OnPickup(ServerTransaction picker, string extension)
    {
        if (_outcome.Task.IsCompleted || _call.State == CallState.Ended)
        {
            picker.Respond(480, "Temporarily Unavailable (the call was answered)");
            return;
        }

        _noAnswerTimer?.Cancel();
        _call.Note($"picked up by {extension}");
        Finish(DialResult.PickedUp, 200, "OK", (picker, extension));
    }

    private string? ExtensionOf(InviteClient.Branch branch)
    {
        for (int i = 0; i < _request.Targets.Count && i < _request.TargetExtensions.Count; i++)
        {
            if (_request.Targets[i] == branch.Target)
            {
                return _request.TargetExtensions[i];
            }
        }

        return null;
    }

    /// <summary>A rung extension's dialog for busy lamps and hunt groups.</summary>
    private void Line(string extension, LinePhase phase, string? phoneTag = null)
    {
        if (_call.Host.Router is { } router && _callee?.CallId is { } callId)
        {
            router.Lines.Set(new LineDialog(extension, callId, Initiator: false, phase, _call.Info.Caller) { LocalTag = phoneTag, RemoteTag = _callee.Tag });
        }
    }

    private void Finish(DialResult result, int status, string reason, (ServerTransaction, string)? picker = null)
    {
        _ringing?.Dispose();
        if (result != DialResult.Answered)
        {
            foreach (string ext in _extensions)
            {
                Line(ext, LinePhase.Terminated);
            }
        }

        if (result != DialResult.Answered && _callee is { } callee)
        {
            if (_callerAnswered)
            {
                _call.StopPlayback(_call.Caller);
            }

            callee.Hangup();
            callee.Media.Release();
            if (_call.Caller.Media is AnchoredMedia a)
            {
                a.Idle(); // the caller's port forwarded to the party's for early media: nothing to send it to now
            }
        }

        _outcome.TrySetResult(new DialOutcome(result, status, reason, null) { Picker = picker, RedirectTo = _redirect });
    }
}
