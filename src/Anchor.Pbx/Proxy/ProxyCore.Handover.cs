using System.Text;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Presence;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// A proxied call to an extension, beyond relaying: its busy lamps, its pickup by another phone, and the hand-over
/// of its server transaction to an application when the extension misses it (a forward, the mailbox) or a phone
/// takes it.
/// </summary>
public sealed partial class ProxyCore
{
    /// <summary>An INVITE forked to extension <paramref name="target"/>: both phones' lamps, and a place among the calls that can be picked up.</summary>
    private void Track(ProxyContext ctx, string caller, string target)
    {
        SipMessage req = ctx.Server.Request;
        ctx.Info = new CallInfo(caller, Routing.Router.Display(req, caller), target, CallDirection.Internal);
        Line(ctx, LinePhase.Trying, null);
        Records?.Proxied.Started(req.CallIdString, ctx.Info, req.From.HasTag ? Encoding.ASCII.GetString(req.From.Tag) : null);
        if (Router is { } router)
        {
            ctx.Ringing = router.Ringing.Add([target], req.CallIdString, (picker, extension) => PickedUp(ctx, picker, extension));
        }
    }

    /// <summary>Both phones' dialog of a proxied call (one Call-ID, each phone's own tag first).</summary>
    private void Line(ProxyContext ctx, LinePhase phase, SipMessage? response)
    {
        if (Router is not { } router || ctx.Info is not { } info)
        {
            return;
        }

        SipMessage req = ctx.Server.Request;
        string callId = req.CallIdString;
        string? fromTag = req.From.HasTag ? Encoding.ASCII.GetString(req.From.Tag) : null;
        string? toTag = response is not null && response.To.HasTag ? Encoding.ASCII.GetString(response.To.Tag) : null;
        router.Lines.Set(new LineDialog(info.Caller, callId, Initiator: true, phase, info.Dialed) { LocalTag = fromTag, RemoteTag = toTag });
        router.Lines.Set(new LineDialog(info.Dialed, callId, Initiator: false, phase, info.Caller)
        {
            LocalTag = toTag,
            RemoteTag = fromTag,
        });
    }

    /// <summary>Another phone picks the call up: the rung phones are CANCELed and the caller's INVITE goes to the join.</summary>
    private void PickedUp(ProxyContext ctx, ServerTransaction picker, string extension)
    {
        lock (ctx.Gate)
        {
            if (ctx.Finished || ctx.CancelRequested || ctx.Info is not { } info || Calls is null)
            {
                picker.Respond(480, "Temporarily Unavailable (the call was answered)");
                return;
            }

            ctx.Finished = true;
            ctx.NoAnswerTimer?.Cancel();
            _contexts.TryRemove(new KeyValuePair<ServerTransaction, ProxyContext>(ctx.Server, ctx));
            foreach (ProxyBranch b in ctx.Branches)
            {
                b.Cancel();
            }

            HandOver(ctx, $"picked up by {extension}",
                () => new Routing.ApplicationDecision(new Pickup.PickedUpApplication(picker, extension), info, false));
        }
    }

    /// <summary>
    /// A 3xx from the phone (its own forward, §8.1.3.4): its first Contact's user, when it is a number Anchor can route,
    /// is followed here for the call — the Contact never reaches the caller, and the hop limit applies.
    /// </summary>
    private Func<Routing.RouteDecision>? Redirect(ProxyContext ctx, SipMessage? response)
    {
        if (response is null || Router is not { } router || ctx.Info is not { } info || !response.TryGetContact(out NameAddress contact) || contact.IsStar
            || !contact.Uri.HasUser)
        {
            return null;
        }

        string user = contact.Uri.UserUnescaped;
        _log.LogInformation("{CallId}: {Target} redirected the call to {User}", ctx.Server.Request.CallIdString, info.Dialed, user);
        return () => router.OnBehalf(info, info.Dialed, user);
    }

    /// <summary>
    /// The same server transaction goes to an application (Anchor becomes the caller's UA): its answer is Anchor's
    /// own, with its own To tag; the caller's CANCEL and BYE now reach the call. A refusal is the caller's answer.
    /// </summary>
    private void HandOver(ProxyContext ctx, string why, Func<Routing.RouteDecision> decide)
    {
        ctx.HandedOver = true;
        ctx.Ringing?.Dispose();
        if (Router is { } router && ctx.Info is { } info)
        {
            router.Lines.Set(new LineDialog(info.Dialed, ctx.Server.Request.CallIdString, Initiator: false, LinePhase.Terminated, info.Caller));
        }

        switch (decide())
        {
            case Routing.ApplicationDecision app:
                _log.LogInformation("{CallId}: {Target} missed the call ({Why}): {Application}", ctx.Server.Request.CallIdString, ctx.Info?.Dialed, why,
                    app.Application.Name);
                Records?.Proxied.Forget(ctx.Server.Request.CallIdString); // the application's call records it
                Start(ctx.Server, app);
                return;
            case Routing.RejectDecision r:
                _log.LogInformation("{CallId}: {Target} missed the call ({Why}): {Status} {Reason}", ctx.Server.Request.CallIdString, ctx.Info?.Dialed, why,
                    r.Status, r.Reason);
                Line(ctx, LinePhase.Terminated, null);
                ctx.Server.Respond(r.Status, r.Reason, r.Headers);
                Records?.Proxied.Failed(ctx.Server.Request.CallIdString, r.Status, cancelled: false);
                return;
            default:
                Line(ctx, LinePhase.Terminated, null);
                ctx.Server.Respond(500, "Server Internal Error");
                Records?.Proxied.Failed(ctx.Server.Request.CallIdString, 500, cancelled: false);
                return;
        }
    }
}
