using System.Text;
using Anchor.Pbx.Applications;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Applications.Echo;
using Anchor.Pbx.Applications.Voicemail;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Forwarding;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Pickup;
using Anchor.Pbx.Presence;
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
/// <item>feature codes (<c>*43</c>, <c>*97</c>, <c>*72…</c> …) — the PBX's own applications; any other <c>*</c> code is 404;</item>
/// <item>a SUBSCRIBE to <c>message-summary</c> (the caller's own mailbox, <see cref="MessageWaiting"/>) or to <c>dialog</c> (an
/// extension's busy lamp, <see cref="Presence.DialogEvents"/>);</item>
/// <item>extensions — their do-not-disturb and forwarding first (loops end at the first repeat, <see cref="HopLimit"/>
/// covers the rest), then proxied to their contacts, or carried by the Dial application when media is anchored
/// (Media:Anchor = Always); a call that is not answered, meets a busy phone or finds none goes to the forward for it,
/// else the mailbox;</item>
/// <item>hunt groups and auto attendants;</item>
/// <item>the dial plan — an outside number through a trunk, after the caller's classes and limits (toll fraud: every
/// path to a trunk passes <see cref="Outbound"/>);</item>
/// <item>anything else — 404.</item>
/// </list>
/// Calls from a trunk's proxy are for its DIDs (<see cref="Inbound"/>) and ring the trunk's Inbound target.
/// </summary>
public sealed partial class Router
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
        Lines = new Lines(time);
    }

    /// <summary>What each extension's phone is doing (hunt groups skip busy members; busy lamps show it).</summary>
    public Lines Lines { get; }

    /// <summary>The calls Anchor carries (an INVITE with Replaces may name one of their legs); set by the host.</summary>
    public global::Anchor.Pbx.Calls.CallHost? Calls { get; set; }

    /// <summary>The calls ringing at each extension, for pickup.</summary>
    public RingingCalls Ringing { get; } = new();

    /// <summary>Forwarding and do-not-disturb as the phones set them (in memory only unless the host gives the database).</summary>
    public PhoneSettings Settings { get; set; } = new(null);

    /// <summary>Busy lamps (RFC 4235 dialog subscriptions); set by the host.</summary>
    public Presence.DialogEvents? Blf { get; set; }

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
    /// <param name="source">Where the request came from (with its Contact, tells whether the caller is away from the LAN).</param>
    public RouteDecision Route(SipMessage req, string caller, string target, System.Net.IPEndPoint? source = null)
    {
        PbxSnapshot config = _config.Current; // one snapshot for the whole decision
        bool invite = req.Method == SipMethod.Invite;

        // 1. A busy lamp's pickup (INVITE with Replaces of a ringing dialog), feature codes: before anything else.
        if (invite && Replacing(req, caller) is { } replacing)
        {
            return replacing;
        }

        if (target.StartsWith('*') || target.StartsWith('#') || config.Owners.GetValueOrDefault(target, NumberKind.Extension) == NumberKind.FeatureCode)
        {
            return invite ? Feature(config, req, caller, target) : new RejectDecision(404, "Not Found (no such feature code)");
        }

        // 2. Subscriptions: a mailbox's state, an extension's dialogs (busy lamps); other packages are not served.
        if (req.Method == SipMethod.Subscribe && MessageWaiting.EventOf(req) is { } package && package != "presence")
        {
            return Subscription(config, package, caller, target);
        }

        // 3. Extensions, with their forwarding; hunt groups.
        var info = new CallInfo(caller, Display(req, caller), target, CallDirection.Internal)
        {
            // Only Auto asks (it parses the Contact): every other mode decides without it.
            CallerAway = source is not null && _options.MediaAnchoring == MediaAnchoring.Auto && IsAway(req, source),
        };
        if (config.Extensions.TryGetValue(target, out Extension? ext))
        {
            if (!invite)
            {
                IReadOnlyList<Binding> bindings = _location.Lookup(target);
                return bindings.Count > 0 ? new ProxyDecision(target, bindings) : new RejectDecision(480, "Temporarily Unavailable");
            }

            return ToExtension(new Hop(config, info, MayProxy: true), ext);
        }

        if (config.Park is { } park && (target == park.Number || park.Slots.Contains(target)))
        {
            return !invite ? new RejectDecision(404, "Not Found")
                : target == park.Number ? ParkCaller(config, req, info, null)
                : Lot.IsOccupied(target) ? Retrieve(target, caller) : ParkCaller(config, req, info, target);
        }

        if (config.HuntGroups.ContainsKey(target) || config.AutoAttendants.ContainsKey(target))
        {
            return invite ? ToTarget(new Hop(config, info, MayProxy: false), config.Resolve(target)!) : new RejectDecision(404, "Not Found");
        }

        // 4. The dial plan: the way out, for calls only.
        return invite ? Outbound(config, caller, target, info) : new RejectDecision(404, "Not Found");
    }

    /// <summary>An INVITE from a trunk's proxy: the DID (Request-URI user, else To user) rings the trunk's Inbound target or Contact List.</summary>
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
        string caller = req.From.Uri.HasUser ? req.From.Uri.UserUnescaped : "anonymous";
        RouteDecision d;
        if (config.ContactLists.TryGetValue(trunk.Name, out IReadOnlyList<ContactRule>? rules))
        {
            if (rules.FirstOrDefault(r => r.Matches(did)) is not { } rule)
            {
                return new RejectDecision(404, "Not Found (no Contact List rule for the DID)");
            }

            // The rule's group is known by the DID it took (its To and the log: "hunt 15551230000").
            HuntGroup group = rule.Group with { Number = did, Name = rule.Group.Name ?? rule.Group.Number };
            var info = new CallInfo(caller, Display(req, caller), did, CallDirection.Inbound, trunk);
            d = new ApplicationDecision(Hunt(new Hop(config, info, MayProxy: false) { Origin = $"DID {did}" }, group), info, true);
        }
        else if (trunk.Options.Inbound is not { } inbound || config.Resolve(inbound) is not { } target)
        {
            return new RejectDecision(480, "Temporarily Unavailable (no inbound target)");
        }
        else
        {
            var info = new CallInfo(caller, Display(req, caller), target.Number, CallDirection.Inbound, trunk);
            d = ToTarget(new Hop(config, info, MayProxy: false) { Origin = $"DID {did}" }, target);
        }

        if (d is not ApplicationDecision app)
        {
            _log.LogInformation("INVITE from {Caller} (DID {Did}): {Decision}", caller, did, d);
            return d;
        }

        if (!trunk.TryAcquireCall())
        {
            app.Release?.Invoke();
            return new RejectDecision(503, "Service Unavailable (trunk busy)");
        }

        _log.LogInformation("INVITE from {Caller} (DID {Did}) to {Target}: {Application}", caller, did, app.Info.Dialed, app.Application.Name);
        Action? release = app.Release;
        return app with { CallerFacesTrunk = true, Release = release is null ? trunk.ReleaseCall : () => { trunk.ReleaseCall(); release(); } };
    }

    /// <summary>
    /// The application that takes a call already in Anchor's hands (an AA's choice, the operator, a voicemail's 0) to
    /// <paramref name="target"/>: an extension is rung (with its forwarding, then its mailbox), a group hunted, an AA
    /// answers, a mailbox records. Decided when it runs; a target that cannot take calls ends the call with why.
    /// </summary>
    public Application ApplicationFor(Target target, CallInfo info) =>
        new RouteApplication(target.ToString(), () => ToTarget(new Hop(_config.Current, info with { Dialed = target.Number }, MayProxy: false), target));

    /// <summary>
    /// An authenticated extension dialled something that is not an extension: the dial plan picks a trunk. Every path
    /// to a trunk passes here, after the caller has authenticated as an extension: its classes and limits apply.
    /// </summary>
    /// <param name="caller">The extension whose classes and limits apply (the forwarding extension for a forward).</param>
    private RouteDecision Outbound(PbxSnapshot config, string caller, string dialed, CallInfo info)
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
        return new ApplicationDecision(new DialApplication(dial), info with { Dialed = dialed, Trunk = info.Trunk ?? trunk, Direction = info.Direction == CallDirection.Internal ? CallDirection.Outbound : info.Direction }, false, () =>
        {
            trunk.ReleaseCall();
            Policy.Release(caller);
        });
    }

    /// <summary>The caller's display name as its From gives it, else <paramref name="fallback"/>.</summary>
    public static string Display(SipMessage req, string fallback) =>
        req.From.DisplaySegment.Length > 0 ? Encoding.UTF8.GetString(req.From.Display).Trim('"') : fallback;
}
