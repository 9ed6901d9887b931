using Anchor.Media.Sdp;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Applications.Transfer;

/// <summary>
/// An attended transfer between two calls Anchor carries (RFC 5589 §7): the transferor B talks to the transferee A on
/// one call (usually holding it) and to the target C on a consultation call, then REFERs A with
/// <c>Refer-To: &lt;C?Replaces=…&gt;</c> naming the consultation dialog. Anchor finds that dialog among its own legs
/// (by its Call-ID and Anchor's tag, never by tags copied across legs), moves C into A's call, re-anchors C's media on
/// that call's relay ports (a re-INVITE to C, which also tells a phone whom it now talks to), resumes A when B held it
/// (A's side sees that re-INVITE at most, never a new call), joins the two, NOTIFYs B <c>200 OK</c> and hangs up both
/// of B's legs. A consultation that is gone is 603, <c>early-only</c> for an answered one 486 (RFC 3891 §3); when
/// anything fails B has its call with A back (RFC 5589 §5).
/// </summary>
public static class AttendedTransfer
{
    /// <summary>A REFER from <paramref name="transferor"/> whose Replaces names <paramref name="replaced"/> (inside the call's gate).</summary>
    internal static void OnRefer(Call call, Leg transferor, Leg transferee, ServerTransaction tx, Leg replaced, ReplacesId id)
    {
        if (replaced.Call == call)
        {
            tx.Respond(400, "Bad Request (Replaces names a dialog of this same call)");
            return;
        }

        if (replaced.Extension != transferor.Extension)
        {
            tx.Respond(403, "Forbidden (Replaces names a call of another extension)");
            return;
        }

        if (transferee.Media is not AnchoredMedia)
        {
            tx.Respond(501, "Not Implemented (transfer needs the call's media anchored)");
            return;
        }

        transferor.Respond(tx, 202, "Accepted");
        BlindTransfer.Notify(transferor, 100, "Trying", final: false);
        call.RunOnGate(() => RunAsync(call, transferor, transferee, replaced, id), "attended transfer");
    }

    private static async Task RunAsync(Call call, Leg transferor, Leg transferee, Leg replaced, ReplacesId id)
    {
        Call consultation = replaced.Call;
        call.Note($"{transferor.Extension} joins {transferee.Name} to the other party of {consultation.Description} (attended transfer)");
        transferor.Detached = true; // from now on the transferor's BYE ends only its own leg

        // The consultation's own gate hands its other party over (or says why it cannot).
        var handover = new TaskCompletionSource<(Leg? Party, string Identity, int Status, string Reason)>(TaskCreationOptions.RunContinuationsAsynchronously);
        consultation.Gate.Post(() => handover.TrySetResult(Take(consultation, replaced, id, call)));
        (Leg? party, string identity, int status, string reason) = await handover.Task;
        if (party is null)
        {
            call.Note($"attended transfer refused: {status} {reason}");
            BlindTransfer.Fail(call, transferor, transferee, status, reason);
            return;
        }

        var a = (AnchoredMedia)transferee.Media;
        string domain = call.Host.Options.Domain;
        if (call.Anchor(party) is not { } media || media.OfferMatching(a) is not { } offer)
        {
            Drop(call, party, transferor, transferee, 503, "Service Unavailable (no media ports)");
            return;
        }

        string transfereeIdentity = transferee.Extension ?? (transferee == call.Caller ? call.Info.Caller : call.Info.Dialed);
        SipMessage? answer = await party.ReinviteAsync(offer, Identity(party, transfereeIdentity, domain));
        if (answer is not { StatusCode: >= 200 and < 300 } || !Leg.TryGetSdp(answer, out SessionDescription? sdp, out _) || sdp is null || !media.Learn(sdp))
        {
            Drop(call, party, transferor, transferee, answer?.StatusCode is >= 300 and var s ? s : 503,
                answer is null ? "Service Unavailable (no answer to the re-INVITE)" : "Service Unavailable (the re-INVITE was refused)");
            return;
        }

        party.HoldsPeer = false;
        if (transferor.HoldsPeer && transferee.State == LegState.Confirmed && a.Present(sdp) is { } resume)
        {
            // The transferor held the transferee: it is told to send again, toward the same ports.
            SipMessage? resumed = await transferee.ReinviteAsync(resume, Identity(transferee, identity, domain));
            if (resumed is { StatusCode: >= 200 and < 300 } && Leg.TryGetSdp(resumed, out SessionDescription? again, out _) && again is not null)
            {
                a.Learn(again);
            }
            else
            {
                call.Note($"{transferee.Name} did not take the resuming re-INVITE ({resumed?.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer"}); joined as it is");
            }
        }

        if (transferee.State == LegState.Ended || party.State == LegState.Ended)
        {
            Drop(call, party, transferor, transferee, 487, "Request Terminated");
            return;
        }

        BlindTransfer.Notify(transferor, 200, "OK", final: true);
        transferor.Hangup();
        transferee.HoldsPeer = false;
        var bridge = new Bridge(call, transferee, party);
        bridge.UpdateMedia();
        call.MarkAnswered();
        call.Note($"attended transfer complete: {transferee.Name} talks to {party.Name} ({identity})");
    }

    /// <summary>
    /// An INVITE with Replaces naming <paramref name="replaced"/>, an answered leg of Anchor's (RFC 3891): the caller takes its
    /// place in its call — the transferee a phone REFERred when the consultation is Anchor's and the call with the
    /// transferee is not. The other party is re-INVITEd with the caller's offer (and told who it talks to now), its answer
    /// answers the caller, and the replaced leg is hung up. 603 when the leg has ended meanwhile, 486 for <c>early-only</c>.
    /// </summary>
    internal static void OnInvite(ServerTransaction invite, Leg replaced, ReplacesId id, string caller)
    {
        Call call = replaced.Call;
        call.Gate.Post(() => _ = call.Gate.Run(() => JoinAsync(call, invite, replaced, id, caller)).ContinueWith(t =>
            call.Gate.Post(() => call.Host.Log.LogError(t.Exception!.GetBaseException(), "{Call}: joining {Caller} failed", call.Description, caller)),
            TaskContinuationOptions.OnlyOnFaulted));
    }

    private static async Task JoinAsync(Call call, ServerTransaction invite, Leg replaced, ReplacesId id, string caller)
    {
        if (replaced.State == LegState.Ended || call.State == CallState.Ended)
        {
            invite.Respond(603, "Declined (the replaced call has ended)");
            return;
        }

        if (id.EarlyOnly)
        {
            invite.Respond(486, "Busy Here (early-only, and the dialog is answered)");
            return;
        }

        if (replaced.Handler is not Bridge bridge || bridge.Other(replaced) is not { State: LegState.Confirmed, Media: AnchoredMedia theirs } party)
        {
            invite.Respond(480, "Temporarily Unavailable (the replaced call has nobody to join)");
            return;
        }

        if (!Leg.TryGetSdp(invite.Request, out SessionDescription? offer, out _) || offer is null)
        {
            invite.Respond(488, "Not Acceptable Here (an INVITE with Replaces must carry an offer)");
            return;
        }

        Leg newcomer = call.AddIncoming(invite, caller, facesTrunk: false, replaced.ContactUser);
        newcomer.Extension = caller;
        if (call.Anchor(newcomer) is not { } mine || !mine.Learn(offer) || theirs.Present(offer) is not { } toParty)
        {
            newcomer.Reject(503, "Service Unavailable (no media ports)");
            return;
        }

        call.Note($"{caller} takes the place of {replaced.Name} (INVITE with Replaces)");
        SipMessage? answer = await party.ReinviteAsync(toParty, Identity(party, caller, call.Host.Options.Domain));
        if (answer is not { StatusCode: >= 200 and < 300 } || !Leg.TryGetSdp(answer, out SessionDescription? sdp, out _) || sdp is null
            || !theirs.Learn(sdp) || mine.Present(sdp) is not { } toCaller || newcomer.State == LegState.Ended)
        {
            newcomer.Reject(answer?.StatusCode is >= 300 and < 700 and var s ? s : 503, "Service Unavailable (the other party did not take the join)");
            mine.Release();
            return;
        }

        newcomer.Answer(toCaller);
        replaced.Detached = true;
        replaced.Hangup();
        party.HoldsPeer = false;
        call.MakeCaller(newcomer);
        new Bridge(call, newcomer, party).UpdateMedia();
        call.Note($"{caller} joined to {party.Name}; {replaced.Name} hung up");
    }

    /// <summary>Inside the consultation's gate: its party bridged with the replaced leg moves to <paramref name="into"/>.</summary>
    private static (Leg?, string, int, string) Take(Call consultation, Leg replaced, ReplacesId id, Call into)
    {
        if (replaced.State == LegState.Ended || consultation.State == CallState.Ended)
        {
            return (null, "", 603, "Declined (the consultation call has ended)");
        }

        if (replaced.State == LegState.Confirmed && id.EarlyOnly)
        {
            return (null, "", 486, "Busy Here (early-only, and the consultation is answered)");
        }

        Leg? party = replaced.Handler is Bridge b ? b.Other(replaced) : null;
        string identity = party is null ? "" : party.Extension ?? (party == consultation.Caller ? consultation.Info.Caller : consultation.Info.Dialed);
        return consultation.Surrender(replaced, into) is { } taken
            ? (taken, identity, 0, "")
            : (null, "", 480, "Temporarily Unavailable (the consultation call is not answered)");
    }

    /// <summary>A phone is told whom it talks to now (RFC 3325); a trunk is told nothing.</summary>
    private static KeyValuePair<string, string>[] Identity(Leg to, string who, string domain) =>
        to.FacesTrunk || who.Length == 0 ? [] : [new("P-Asserted-Identity", $"<sip:{who}@{domain}>")];

    /// <summary>The target could not be joined: its leg is hung up and the transferor has its call back, if still there.</summary>
    private static void Drop(Call call, Leg party, Leg transferor, Leg transferee, int status, string reason)
    {
        party.Hangup();
        party.Media.Release();
        call.Note($"attended transfer failed: {status} {reason}");
        BlindTransfer.Fail(call, transferor, transferee, status, reason);
    }
}
