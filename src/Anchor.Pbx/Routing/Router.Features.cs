using Anchor.Pbx.Applications;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Applications.Echo;
using Anchor.Pbx.Applications.Voicemail;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Forwarding;
using Anchor.Pbx.Model;
using Anchor.Pbx.Voicemail;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Routing;

/// <summary>Feature codes and subscriptions: what an extension asks of the PBX itself.</summary>
public sealed partial class Router
{
    /// <summary>The feature code's application (or its refusal); an unknown code is 404, never a way to a trunk.</summary>
    private RouteDecision Feature(PbxSnapshot config, SipMessage req, string caller, string code)
    {
        FeatureCodes codes = config.FeatureCodes;
        var info = new CallInfo(caller, Display(req, caller), code, CallDirection.Internal);
        Application? app = code switch
        {
            _ when code == codes.EchoTest => new EchoApplication(),
            _ when code == codes.VoicemailMain && Mwi is not null && config.Mailboxes.Contains(caller) => new MailboxApplication(caller),
            _ when code == codes.VoicemailOther && Mwi is not null => new MailboxApplication(null),
            _ when code == codes.NightMode => new NightModeApplication(config.AutoAttendants.Values.ToList(), Modes),
            _ => null,
        };
        if (app is not null)
        {
            _log.LogInformation("INVITE from {Caller} to {Code}: {Application}", caller, code, app.Name);
            return new ApplicationDecision(app, info, false);
        }

        if (code == codes.Park && config.Park is not null)
        {
            return ParkCaller(config, req, info, null); // the SPA phones' park key: a REFER to *38, so the transferee calls it
        }

        (PhoneSetting Setting, bool On)? toggle = code switch
        {
            _ when code == codes.ForwardAllOff => (PhoneSetting.ForwardAlways, false),
            _ when code == codes.ForwardBusyOff => (PhoneSetting.ForwardBusy, false),
            _ when code == codes.ForwardNoAnswerOff => (PhoneSetting.ForwardNoAnswer, false),
            _ when code == codes.DndOn => (PhoneSetting.Dnd, true),
            _ when code == codes.DndOff => (PhoneSetting.Dnd, false),
            _ => null,
        };
        if (toggle is { } t)
        {
            Settings.Set(caller, t.Setting, t.On ? "on" : null);
            _log.LogInformation("{Caller} set {Setting} {State} with {Code}", caller, t.Setting, t.On ? "on" : "off", code);
            return new ApplicationDecision(new ConfirmApplication(t.On), info, false);
        }

        if (code == codes.GroupPickup || code == codes.GroupPickupAlt)
        {
            if (!config.Extensions.TryGetValue(caller, out Extension? me) || me.PickupGroup is not { } group)
            {
                return new RejectDecision(404, "Not Found (no pickup group)");
            }

            string[] members = config.Extensions.Values.Where(e => e.PickupGroup == group && e.Number != caller).Select(e => e.Number).ToArray();
            return PickUp(members, caller, $"group {group}");
        }

        // Codes followed by digits: the longest that matches.
        foreach ((string prefix, Func<string, RouteDecision> handle) in new (string, Func<string, RouteDecision>)[]
        {
            (codes.ForwardAllOn, rest => SetForward(config, caller, PhoneSetting.ForwardAlways, rest, info)),
            (codes.ForwardBusyOn, rest => SetForward(config, caller, PhoneSetting.ForwardBusy, rest, info)),
            (codes.ForwardNoAnswerOn, rest => SetForward(config, caller, PhoneSetting.ForwardNoAnswer, rest, info)),
            (codes.DirectedPickup, rest => config.Extensions.ContainsKey(rest) ? PickUp([rest], caller, rest) : new RejectDecision(404, "Not Found (no such extension)")),
            (codes.DirectedPickupAlt, rest => config.Extensions.ContainsKey(rest) ? PickUp([rest], caller, rest) : new RejectDecision(404, "Not Found (no such extension)")),
            (codes.Unpark, rest => config.Park?.Slots.Contains(rest) == true ? Retrieve(rest, caller) : new RejectDecision(404, "Not Found (no such park slot)")),
        }.OrderByDescending(p => p.Item1.Length))
        {
            if (prefix.Length > 0 && code.StartsWith(prefix, StringComparison.Ordinal))
            {
                string rest = code[prefix.Length..];
                return rest.Length == 0 ? new RejectDecision(484, "Address Incomplete (the code takes a number after it)") : handle(rest);
            }
        }

        return new RejectDecision(404, "Not Found (no such feature code)"); // never a way to a trunk
    }

    /// <summary>
    /// A forward set from the phone: to a number Anchor owns (not the extension itself), or to an outside number the
    /// extension may call (its classes: a forward is never a way round them). Kept in the database.
    /// </summary>
    private RouteDecision SetForward(PbxSnapshot config, string caller, PhoneSetting setting, string target, CallInfo info)
    {
        if (target == caller)
        {
            return new RejectDecision(482, "Loop Detected (forward to itself)");
        }

        if (config.Resolve(target) is null)
        {
            DialResult? route = config.DialPlan.Resolve(target);
            if (route is null)
            {
                return new RejectDecision(404, "Not Found (no such target)");
            }

            if (route.Barred || !Policy.Allows(caller, route.Class))
            {
                _log.LogWarning("Security: {Caller} may not forward to {Number}: {Class} calls are not allowed for it", caller, target, route.Class);
                return new RejectDecision(403, $"Forbidden ({route.Class} calls not allowed)");
            }
        }

        Settings.Set(caller, setting, target);
        _log.LogInformation("{Caller} set {Setting} to {Target}", caller, setting, target);
        return new ApplicationDecision(new ConfirmApplication(true), info, false);
    }

    /// <summary>Pickup: the oldest call ringing at one of <paramref name="extensions"/> is answered by the picker's phone.</summary>
    private LocalDecision PickUp(string[] extensions, string picker, string what) => new(tx =>
    {
        if (!Ringing.TryTake(extensions, tx, picker))
        {
            _log.LogInformation("Pickup by {Picker} of {What}: nothing ringing", picker, what);
            tx.Respond(480, "Temporarily Unavailable (nothing ringing)");
        }
        else
        {
            _log.LogInformation("Pickup by {Picker} of a call ringing at {What}", picker, what);
        }
    });

    /// <summary>
    /// An INVITE with Replaces (RFC 3891): one naming a dialog that rings at an extension is a pickup (a busy lamp's key,
    /// RFC 5359 §2.16); one naming an answered leg of Anchor's joins the caller in its place; one naming no dialog
    /// Anchor knows of is 481, <c>early-only</c> for an answered one 486 (§3);
    /// anything else (the phones' own attended transfer on a proxied call) is routed as a call. Null: not one.
    /// </summary>
    private RouteDecision? Replacing(SipMessage req, string picker)
    {
        if (req.GetHeaderString("Replaces") is not { } value)
        {
            return null;
        }

        if (Applications.Transfer.ReplacesId.Parse(value) is not { } id)
        {
            return new RejectDecision(400, "Bad Request (Replaces does not parse)");
        }

        if (Calls?.FindLeg(id.CallId, id.ToTag, id.FromTag) is { State: not global::Anchor.Pbx.Calls.LegState.Setup } leg)
        {
            // An answered leg of a call Anchor carries: the caller takes its place (a transferee the leg's phone REFERred).
            return new LocalDecision(tx => Applications.Transfer.AttendedTransfer.OnInvite(tx, leg, id, picker));
        }

        IReadOnlyCollection<string> parties = Lines.In(id.CallId);
        if (parties.Count == 0)
        {
            return new RejectDecision(481, "Call/Transaction Does Not Exist (Replaces names no dialog)");
        }

        string[] ringing = parties.Where(e => Lines.RingsIn(e, id.CallId)).ToArray();
        if (ringing.Length > 0)
        {
            return new LocalDecision(tx =>
            {
                if (!Ringing.TryTake(ringing, tx, picker, id.CallId))
                {
                    tx.Respond(481, "Call/Transaction Does Not Exist");
                }
            });
        }

        return id.EarlyOnly ? new RejectDecision(486, "Busy Here (early-only, and the dialog is answered)") : null;
    }

    /// <summary>A SUBSCRIBE: message-summary (the caller's mailbox), dialog (an extension's busy lamp); other packages are 489.</summary>
    private RouteDecision Subscription(PbxSnapshot config, string package, string caller, string target)
    {
        if (package == MessageWaiting.Package && Mwi is { } mwi)
        {
            return new LocalDecision(tx => mwi.Subscribe(tx, caller, target));
        }

        if (package == Presence.DialogEvents.Package && Blf is { } blf)
        {
            return config.Extensions.ContainsKey(target) || config.Park?.Slots.Contains(target) == true
                ? new LocalDecision(tx => blf.Subscribe(tx, caller, target))
                : new RejectDecision(404, "Not Found (busy lamps watch extensions and park slots)");
        }

        string allowed = string.Join(", ", new[] { Mwi is null ? null : MessageWaiting.Package, Blf is null ? null : Presence.DialogEvents.Package }.OfType<string>());
        return new RejectDecision(489, "Bad Event", [new("Allow-Events", allowed)]); // RFC 6665 §8.3.1
    }
}
