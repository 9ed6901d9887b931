using System.Text;
using Anchor.Pbx.Applications;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Applications.Echo;
using Anchor.Pbx.Applications.Voicemail;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Security;
using Anchor.Pbx.Trunks;
using Anchor.Pbx.Voicemail;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Routing;

/// <summary>
/// One decision per initial request, in one documented order (docs/architecture.md):
/// <list type="number">
/// <item>feature codes (<c>*43</c>, <c>*97</c> …) — the PBX's own applications; any other <c>*</c> code is 404;</item>
/// <item>a SUBSCRIBE to <c>message-summary</c> — the caller's own mailbox (<see cref="MessageWaiting"/>);</item>
/// <item>extensions — proxied to their contacts, or carried by the Dial application when media is anchored
/// (Media:Anchor = Always); with a mailbox, a call that is not answered, meets a busy phone or finds none goes to it;</item>
/// <item>auto attendants;</item>
/// <item>the dial plan — an outside number through a trunk, after the caller's classes and limits (toll fraud: every
/// path to a trunk passes <see cref="Outbound"/>);</item>
/// <item>anything else — 404.</item>
/// </list>
/// Calls from a trunk's proxy are for its DIDs (<see cref="Inbound"/>) and ring the trunk's Inbound target.
/// </summary>
public sealed class Router
{
    private readonly PbxOptions _options;
    private readonly LocationService _location;
    private readonly SnapshotSource _config;
    private readonly bool _relay;
    private readonly ILogger _log;

    public Router(PbxOptions options, LocationService location, SnapshotSource config, bool haveRelay, ILogger log, TimeProvider? time = null)
    {
        _options = options;
        _location = location;
        _config = config;
        _relay = haveRelay;
        _log = log;
        Policy = new CallPolicy(config);
        Modes = new AttendantModes(time ?? TimeProvider.System);
    }

    /// <summary>Day or night for each auto attendant (the schedule, or the night-mode code).</summary>
    public AttendantModes Modes { get; }

    /// <summary>Message waiting, when voicemail is set up; without it no call goes to a mailbox.</summary>
    public MessageWaiting? Mwi { get; set; }

    public VoicemailSettings Voicemail => _config.Current.Voicemail;

    /// <summary>A destination in the one syntax (<c>101</c>, <c>400</c>, <c>vm101</c>) in the current configuration.</summary>
    public Target? Resolve(string text) => _config.Current.Resolve(text);

    /// <summary>Outbound permissions and per-extension call limits.</summary>
    public CallPolicy Policy { get; }

    /// <summary>The trunk whose proxy sent a request from <paramref name="source"/>, if any.</summary>
    public Trunk? TrunkFrom(System.Net.IPEndPoint source) => _config.Current.Trunks.Values.FirstOrDefault(t => t.IsFrom(source));

    /// <summary>An initial request from authenticated extension <paramref name="caller"/> for <paramref name="target"/> (the Request-URI's user).</summary>
    public RouteDecision Route(SipMessage req, string caller, string target)
    {
        PbxSnapshot config = _config.Current; // one snapshot for the whole decision
        bool invite = req.Method == SipMethod.Invite;

        // 1. Feature codes, before anything else.
        if (target.StartsWith('*') || config.Owners.GetValueOrDefault(target, NumberKind.Extension) == NumberKind.FeatureCode)
        {
            return invite ? Feature(config, req, caller, target) : new RejectDecision(404, "Not Found (no such feature code)");
        }

        // 2. Subscriptions to a mailbox's state; any other package but the phones' own (dialog, presence) is not served.
        if (req.Method == SipMethod.Subscribe && MessageWaiting.EventOf(req) is { } package && package != "dialog" && package != "presence")
        {
            if (package == MessageWaiting.Package && Mwi is { } mwi)
            {
                return new LocalDecision(tx => mwi.Subscribe(tx, caller, target));
            }

            return new RejectDecision(489, "Bad Event", [new("Allow-Events", MessageWaiting.Package)]); // RFC 6665 §8.3.1
        }

        // 3. Extensions.
        if (config.Extensions.TryGetValue(target, out Extension? ext))
        {
            var info = new CallInfo(caller, Display(req, caller), target, CallDirection.Internal);
            ApplicationDecision? mailbox = invite ? Mailbox(ext, info) : null;
            IReadOnlyList<Binding> bindings = _location.Lookup(target);
            if (bindings.Count == 0)
            {
                PbxLog.NotRegistered(_log, Encoding.ASCII.GetString(req.MethodBytes), caller, target);
                return mailbox ?? (RouteDecision)new RejectDecision(480, "Temporarily Unavailable");
            }

            if (invite && _relay && _options.MediaAnchoring == MediaAnchoring.Always)
            {
                return Ring(req, caller, Display(req, caller), ext, bindings, "internal", CallDirection.Internal, trunk: null);
            }

            return new ProxyDecision(target, bindings, mailbox, ext.Mailbox.NoAnswer);
        }

        // 4. Auto attendants.
        if (config.AutoAttendants.TryGetValue(target, out Attendant? aa))
        {
            return invite
                ? new ApplicationDecision(new AutoAttendantApplication(aa, Modes), new CallInfo(caller, Display(req, caller), target, CallDirection.Internal), false)
                : new RejectDecision(404, "Not Found");
        }

        // 5. The dial plan: the way out, for calls only.
        return invite ? Outbound(config, req, caller, target) : new RejectDecision(404, "Not Found");
    }

    /// <summary>An INVITE from a trunk's proxy: the DID (Request-URI user, else To user) rings the trunk's Inbound target.</summary>
    public RouteDecision Inbound(SipMessage req, Trunk trunk)
    {
        string ruriUser = req.RequestUri.HasUser ? req.RequestUri.UserUnescaped : "";
        string toUser = req.To.Uri.HasUser ? req.To.Uri.UserUnescaped : "";
        string? did = trunk.HasDid(ruriUser) ? ruriUser : trunk.HasDid(toUser) ? toUser : null;
        if (did is null)
        {
            _log.LogWarning("INVITE from trunk {Trunk} for {User} refused: not one of its DIDs", trunk.Name, toUser.Length > 0 ? toUser : ruriUser);
            return new RejectDecision(404, "Not Found");
        }

        PbxSnapshot config = _config.Current;
        if (trunk.Options.Inbound is not { } inbound || config.Resolve(inbound) is not { } target)
        {
            return new RejectDecision(480, "Temporarily Unavailable (no inbound target)");
        }

        string caller = req.From.Uri.HasUser ? req.From.Uri.UserUnescaped : "anonymous";
        var info = new CallInfo(caller, Display(req, caller), target.Number, CallDirection.Inbound, trunk);
        RouteDecision d;
        if (target.Kind == TargetKind.Extension && _location.Lookup(target.Number) is { Count: > 0 } bindings)
        {
            d = Ring(req, caller, info.CallerDisplay, config.Extensions[target.Number], bindings, $"DID {did}", CallDirection.Inbound, trunk);
        }
        else if (ApplicationFor(target, info) is { } app)
        {
            _log.LogInformation("INVITE from {Caller} (DID {Did}) to {Target}: {Application}", caller, did, target, app.Name);
            d = new ApplicationDecision(app, info, true);
        }
        else
        {
            _log.LogInformation("INVITE from {Caller} (DID {Did}) to {Target}: not registered", caller, did, target);
            return new RejectDecision(480, "Temporarily Unavailable");
        }

        if (!trunk.TryAcquireCall())
        {
            return new RejectDecision(503, "Service Unavailable (trunk busy)");
        }

        return d is ApplicationDecision a ? a with { CallerFacesTrunk = true, Release = trunk.ReleaseCall } : d;
    }

    /// <summary>
    /// The application that takes a call already in Anchor's hands (an AA's choice, the operator, a trunk's inbound
    /// target) to <paramref name="target"/>: an extension is rung (then its mailbox), an AA answers, a mailbox records.
    /// Null when the target cannot take calls now (an extension with no phone and no mailbox, or gone from the configuration).
    /// </summary>
    public Application? ApplicationFor(Target target, CallInfo info)
    {
        PbxSnapshot config = _config.Current;
        switch (target.Kind)
        {
            case TargetKind.AutoAttendant:
                return config.AutoAttendants.TryGetValue(target.Number, out Attendant? aa) ? new AutoAttendantApplication(aa, Modes) : null;
            case TargetKind.Mailbox:
                return Mwi is not null && config.Mailboxes.Contains(target.Number) ? new DepositApplication(target.Number) : null;
        }

        if (!config.Extensions.TryGetValue(target.Number, out Extension? ext))
        {
            return null;
        }

        IReadOnlyList<Binding> bindings = _location.Lookup(target.Number);
        if (bindings.Count == 0)
        {
            return Mailbox(ext, info)?.Application;
        }

        PbxLog.Ringing(_log, info.Caller, "transfer", target.Number, bindings.Count);
        return new DialApplication(Request(info.Caller, info.CallerDisplay, ext, bindings) with { Anchored = true });
    }

    /// <summary>The feature code's application, or 404.</summary>
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
        if (app is null)
        {
            return new RejectDecision(404, "Not Found (no such feature code)"); // never a way to a trunk
        }

        _log.LogInformation("INVITE from {Caller} to {Code}: {Application}", caller, code, app.Name);
        return new ApplicationDecision(app, info, false);
    }

    /// <summary>The extension's mailbox for a call that finds nobody, when it has one.</summary>
    private ApplicationDecision? Mailbox(Extension ext, CallInfo info) =>
        Mwi is not null && ext.Mailbox.Enabled ? new ApplicationDecision(new DepositApplication(ext.Number), info, false) : null;

    /// <summary>
    /// An authenticated extension dialled something that is not an extension: the dial plan picks a trunk. Every path
    /// to a trunk passes here, after the caller has authenticated as an extension: its classes and limits apply.
    /// </summary>
    private RouteDecision Outbound(PbxSnapshot config, SipMessage req, string caller, string dialed)
    {
        DialResult? route = config.DialPlan.Resolve(dialed);
        if (route is null)
        {
            return new RejectDecision(404, "Not Found");
        }

        if (route.Barred)
        {
            _log.LogWarning("Outbound call from {Caller} to {Dialed} refused: the dial plan bars it", caller, dialed);
            return new RejectDecision(403, "Forbidden (number barred by the dial plan)");
        }

        if (!config.Trunks.TryGetValue(route.Trunk, out Trunk? trunk))
        {
            return new RejectDecision(500, "Server Internal Error (dial plan names an unknown trunk)");
        }

        if (!Policy.Allows(caller, route.Class))
        {
            _log.LogWarning("Security: outbound call from {Caller} to {Number} refused: {Class} numbers are not allowed for {Caller}",
                caller, route.Number, route.Class, caller);
            return new RejectDecision(403, $"Forbidden ({route.Class} calls not allowed)");
        }

        if (!Policy.TryAcquire(caller))
        {
            _log.LogWarning("Security: outbound call from {Caller} to {Number} refused: {Caller} is at its outbound call limit", caller, route.Number, caller);
            return new RejectDecision(403, "Forbidden (too many outbound calls)");
        }

        if (!trunk.TryAcquireCall())
        {
            Policy.Release(caller);
            _log.LogWarning("Outbound call from {Caller} to {Number} refused: trunk {Trunk} is at MaxCalls ({Max})", caller, route.Number, trunk.Name, trunk.Options.MaxCalls);
            return new RejectDecision(503, "Service Unavailable (trunk busy)");
        }

        TrunkOptions o = trunk.Options;
        string display = o.CallerId is { Length: > 0 } id ? $"\"{id}\" " : "";
        var headers = new List<KeyValuePair<string, string>>();
        if (o.CallerId is { Length: > 0 })
        {
            headers.Add(new("P-Asserted-Identity", $"<sip:{o.CallerId}@{o.Domain}>"));
        }

        PbxLog.Outbound(_log, caller, dialed, route.Number, trunk.Name);
        var dial = new DialRequest
        {
            Targets = [new InviteTarget($"sip:{route.Number}@{o.Domain}", o.Proxy)],
            CalleeName = trunk.Name,
            From = $"{display}<sip:{o.Username}@{o.Domain}>",
            To = $"<sip:{route.Number}@{o.Domain}>",
            ContactUser = o.Username,
            Trunk = trunk,
            Headers = headers,
            Anchored = _relay && _options.MediaAnchoring != MediaAnchoring.Never,
        };
        var info = new CallInfo(caller, Display(req, caller), dialed, CallDirection.Outbound, trunk);
        return new ApplicationDecision(new DialApplication(dial), info, false, () =>
        {
            trunk.ReleaseCall();
            Policy.Release(caller);
        });
    }

    private ApplicationDecision Ring(SipMessage req, string caller, string display, Extension ext, IReadOnlyList<Binding> bindings, string what,
        CallDirection direction, Trunk? trunk)
    {
        PbxLog.Ringing(_log, caller, what, ext.Number, bindings.Count);
        DialRequest dial = Request(caller, display, ext, bindings) with
        {
            Anchored = _relay && (trunk is not null ? _options.MediaAnchoring != MediaAnchoring.Never : _options.MediaAnchoring == MediaAnchoring.Always),
        };
        return new ApplicationDecision(new DialApplication(dial), new CallInfo(caller, display, ext.Number, direction, trunk), false);
    }

    /// <summary>Ringing every contact of an extension, then its mailbox when it has one.</summary>
    private DialRequest Request(string caller, string display, Extension ext, IReadOnlyList<Binding> bindings)
    {
        bool mailbox = Mwi is not null && ext.Mailbox.Enabled;
        return new DialRequest
        {
            Targets = bindings.Select(b => new InviteTarget(b.ContactUri, b.Target)).ToArray(),
            CalleeName = ext.Number,
            From = $"\"{display.Replace("\"", "", StringComparison.Ordinal)}\" <sip:{caller}@{_options.Domain}>",
            To = $"<sip:{ext.Number}@{_options.Domain}>",
            ContactUser = caller,
            NoAnswer = mailbox ? ext.Mailbox.NoAnswer : TimeSpan.Zero,
            Fallback = mailbox ? new DepositApplication(ext.Number) : null,
        };
    }

    private static string Display(SipMessage req, string fallback) =>
        req.From.DisplaySegment.Length > 0 ? Encoding.UTF8.GetString(req.From.Display).Trim('"') : fallback;
}
