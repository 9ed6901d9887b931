using System.Text;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Calls.Media;
using Anchor.Pbx.Routing;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;
using DialResult = Anchor.Pbx.Applications.Dial.DialResult;

namespace Anchor.Pbx.Applications.Transfer;

/// <summary>
/// A REFER on a call Anchor carries (RFC 3515, RFC 5589 §6: Anchor is the transferee's agent): 202 and NOTIFY
/// <c>100 Trying</c> to the transferor, then the Refer-To target is routed as the transferor's call (its classes for an
/// outside number) and rung for the transferee on the same call — the transferee's dialog (the ITSP's, for a trunk
/// call) is never touched, the relay ports are re-joined. On answer the transferor hears NOTIFY <c>200 OK</c> and is hung
/// up; when the target fails the transferor hears its status and the original call is joined again (§5). The transferor
/// may hang up right after the 202: the transfer goes on. Only an extension transfers.
/// </summary>
public static class BlindTransfer
{
    /// <summary>A REFER from <paramref name="transferor"/>, bridged with <paramref name="transferee"/> (inside the call's gate).</summary>
    public static void OnRefer(Call call, Leg transferor, Leg transferee, ServerTransaction tx)
    {
        if (transferor.FacesTrunk || transferor.Extension is null)
        {
            tx.Respond(403, "Forbidden (only an extension transfers)");
            return;
        }

        if (!ReferTarget.TryParse(tx.Request, out ReferTarget? target, out string? error))
        {
            tx.Respond(400, $"Bad Request ({error})");
            return;
        }

        if (target!.Replaces is { } replaces && call.Host.FindLeg(replaces.CallId, replaces.ToTag, replaces.FromTag) is { } replaced)
        {
            AttendedTransfer.OnRefer(call, transferor, transferee, tx, replaced, replaces); // the consultation is Anchor's too
            return;
        }

        if (call.Host.Router is not { } router || transferee.Media is not AnchoredMedia)
        {
            tx.Respond(501, "Not Implemented (transfer needs the call's media anchored)");
            return;
        }

        transferor.Respond(tx, 202, "Accepted");
        Notify(transferor, 100, "Trying", final: false);
        call.RunOnGate(() => RunAsync(call, router, transferor, transferee, target.User, target.Replaces), "transfer");
    }

    /// <param name="replaces">An attended transfer whose consultation call the phones hold between them (proxied): the
    /// target is INVITEd with the Replaces, so its phone swaps the transferor's dialog for the transferee's at once.</param>
    private static async Task RunAsync(Call call, Router router, Leg transferor, Leg transferee, string target, ReplacesId? replaces)
    {
        string by = transferor.Extension!;
        call.Note($"{by} transfers {transferee.Name} to {target}");

        // The transferee becomes the party the call serves; the transferor's BYE from now on ends only its own leg.
        string who = transferee.Extension ?? (transferee == call.Caller ? call.Info.Caller : call.Info.Dialed);
        string display = transferee == call.Caller ? call.Info.CallerDisplay : who;
        transferor.Detached = true;
        transferee.Handler = call;
        transferor.Handler = call;
        call.MakeCaller(transferee);
        var info = call.Info with { Caller = who, CallerDisplay = display, Dialed = target };
        switch (router.OnBehalf(info, by, target))
        {
            case RejectDecision r:
                call.Note($"transfer to {target} refused: {r.Status} {r.Reason}");
                Fail(call, transferor, transferee, r.Status, r.Reason);
                return;
            case ApplicationDecision app:
                if (app.Release is { } release)
                {
                    call.OnRelease(release);
                }

                if (app.Application is DialApplication dial)
                {
                    DialRequest request = replaces is null ? dial.Request : dial.Request with
                    {
                        Headers = [.. dial.Request.Headers, new("Replaces", $"{replaces.CallId};to-tag={replaces.ToTag};from-tag={replaces.FromTag}")],
                        Fallback = null,
                        BusyFallback = null,
                        NoAnswer = TimeSpan.Zero,
                    };
                    await DialAsync(call, transferor, transferee, request);
                    return;
                }

                // A group, an auto attendant, a mailbox, a park slot: it takes the call from here.
                Succeed(call, transferor, transferee, $"<sip:{target}@{call.Host.Options.Domain}>");
                call.Note($"transferred to {target}: {app.Application.Name}");
                await app.Application.RunAsync(call);
                return;
        }
    }

    private static async Task DialAsync(Call call, Leg transferor, Leg transferee, DialRequest request)
    {
        DialOutcome outcome = await Dialer.DialAsync(call, request, request.NoAnswer);
        if (outcome.Result == DialResult.CallerGone)
        {
            return;
        }

        if (outcome.Result is DialResult.Answered or DialResult.PickedUp)
        {
            Succeed(call, transferor, transferee, request.To);
            await DialApplication.SettledAsync(call, outcome);
            return;
        }

        Application? next = request.FallbackFor(outcome.Result);
        if (outcome.Missed && next is not null)
        {
            Succeed(call, transferor, transferee, request.To); // the target's forward or mailbox takes the call
            await next.RunAsync(call);
            return;
        }

        Fail(call, transferor, transferee, outcome.Status, outcome.Reason);
    }

    /// <summary>
    /// The target has the call: the transferor hears 200 and is hung up; a transferee that is a phone is told whom it
    /// now talks to (UPDATE with P-Asserted-Identity, RFC 3325), when its INVITE allowed UPDATE. The trunk side is never
    /// told anything.
    /// </summary>
    private static void Succeed(Call call, Leg transferor, Leg transferee, string identity)
    {
        Notify(transferor, 200, "OK", final: true);
        call.Note("transfer complete");
        transferor.Hangup();
        // RFC 3311 §5.1: only to a phone that said it takes UPDATE (the Allow of its INVITE).
        if (!transferee.FacesTrunk && transferee.Extension is not null && transferee.State == LegState.Confirmed
            && transferee.Initial?.Request.GetHeaderString("Allow") is { } allow && allow.Contains("UPDATE", StringComparison.OrdinalIgnoreCase))
        {
            transferee.Send("UPDATE", headers: [new("P-Asserted-Identity", identity)]);
        }
    }

    /// <summary>The target could not take the call: the transferor hears why, and has its call back if it is still there.</summary>
    internal static void Fail(Call call, Leg transferor, Leg transferee, int status, string reason)
    {
        Notify(transferor, status, reason, final: true);
        if (transferor.State == LegState.Ended || transferee.State == LegState.Ended)
        {
            call.End(EndReason.Refused, $"transfer failed ({status} {reason}) and the transferor has gone", status, reason);
            return;
        }

        transferor.Detached = false;
        var bridge = new Bridge(call, transferee, transferor);
        bridge.UpdateMedia();
        call.Note($"transfer failed ({status} {reason}): the original call goes on");
    }

    /// <summary>RFC 3515 §2.4.5: the transfer's progress as a sipfrag NOTIFY in the REFER's dialog.</summary>
    internal static void Notify(Leg transferor, int status, string reason, bool final)
    {
        if (transferor.State == LegState.Ended)
        {
            return;
        }

        transferor.Send("NOTIFY", Encoding.ASCII.GetBytes($"SIP/2.0 {status} {reason}\r\n"), "message/sipfrag;version=2.0",
            [new("Event", "refer"), new("Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60")]);
    }
}
