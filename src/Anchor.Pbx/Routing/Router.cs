using System.Text;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Applications.Echo;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Security;
using Anchor.Pbx.Trunks;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Routing;

/// <summary>
/// One decision per initial request, in one documented order (docs/architecture.md):
/// <list type="number">
/// <item>feature codes (<c>*43</c> …) — the PBX's own applications; any other <c>*</c> code is 404;</item>
/// <item>extensions — proxied to their contacts, or carried by the Dial application when media is anchored
/// (Media:Anchor = Always);</item>
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

    public Router(PbxOptions options, LocationService location, SnapshotSource config, bool haveRelay, ILogger log)
    {
        _options = options;
        _location = location;
        _config = config;
        _relay = haveRelay;
        _log = log;
        Policy = new CallPolicy(config);
    }

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
        if (invite && target == config.FeatureCodes.EchoTest)
        {
            _log.LogInformation("INVITE from {Caller} to {Code}: echo test", caller, target);
            return new ApplicationDecision(new EchoApplication(), new CallInfo(caller, Display(req, caller), target, CallDirection.Internal), false);
        }

        if (target.StartsWith('*'))
        {
            return new RejectDecision(404, "Not Found (no such feature code)"); // never a way to a trunk
        }

        // 2. Extensions.
        if (config.Extensions.ContainsKey(target))
        {
            IReadOnlyList<Binding> bindings = _location.Lookup(target);
            if (bindings.Count == 0)
            {
                PbxLog.NotRegistered(_log, Encoding.ASCII.GetString(req.MethodBytes), caller, target);
                return new RejectDecision(480, "Temporarily Unavailable");
            }

            if (invite && _relay && _options.MediaAnchoring == MediaAnchoring.Always)
            {
                return Ring(req, caller, Display(req, caller), target, bindings, "internal", CallDirection.Internal, trunk: null);
            }

            return new ProxyDecision(target, bindings);
        }

        // 3. The dial plan: the way out, for calls only.
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

        string? target = trunk.Options.Inbound;
        if (target is null || !_config.Current.Extensions.ContainsKey(target))
        {
            return new RejectDecision(480, "Temporarily Unavailable (no inbound target)");
        }

        string caller = req.From.Uri.HasUser ? req.From.Uri.UserUnescaped : "anonymous";
        IReadOnlyList<Binding> bindings = _location.Lookup(target);
        if (bindings.Count == 0)
        {
            _log.LogInformation("INVITE from {Caller} (DID {Did}) to {Target}: not registered", caller, did, target);
            return new RejectDecision(480, "Temporarily Unavailable");
        }

        if (!trunk.TryAcquireCall())
        {
            return new RejectDecision(503, "Service Unavailable (trunk busy)");
        }

        RouteDecision d = Ring(req, caller, Display(req, caller), target, bindings, $"DID {did}", CallDirection.Inbound, trunk);
        return d is ApplicationDecision app ? app with { CallerFacesTrunk = true, Release = trunk.ReleaseCall } : d;
    }

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

    private ApplicationDecision Ring(SipMessage req, string caller, string display, string target, IReadOnlyList<Binding> bindings, string what,
        CallDirection direction, Trunk? trunk)
    {
        PbxLog.Ringing(_log, caller, what, target, bindings.Count);
        var dial = new DialRequest
        {
            Targets = bindings.Select(b => new InviteTarget(b.ContactUri, b.Target)).ToArray(),
            CalleeName = target,
            From = $"\"{display.Replace("\"", "", StringComparison.Ordinal)}\" <sip:{caller}@{_options.Domain}>",
            To = $"<sip:{target}@{_options.Domain}>",
            ContactUser = caller,
            Anchored = _relay && (trunk is not null ? _options.MediaAnchoring != MediaAnchoring.Never : _options.MediaAnchoring == MediaAnchoring.Always),
        };
        return new ApplicationDecision(new DialApplication(dial), new CallInfo(caller, display, target, direction, trunk), false);
    }

    private static string Display(SipMessage req, string fallback) =>
        req.From.DisplaySegment.Length > 0 ? Encoding.UTF8.GetString(req.From.Display).Trim('"') : fallback;
}
