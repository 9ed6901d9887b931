using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Anchor.Media.Relay;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Proxy;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Security;
using Anchor.Pbx.Trunks;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Calls;

/// <summary>
/// Starts and finds the calls Anchor carries as a back-to-back user agent: outbound through a trunk (dial plan),
/// inbound from a trunk to the DID's extension, and, with Media:Anchor = Always, internal calls too.
/// </summary>
public sealed class CallManager
{
    private readonly PbxOptions _options;
    private readonly LocationService _location;
    private readonly MediaRelay? _relay;
    private readonly IReadOnlyDictionary<string, Trunk> _trunks;
    private readonly DialPlan _dialPlan;
    private readonly IPAddress? _external;
    private readonly ConcurrentDictionary<string, B2BCall> _dialogs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ServerTransaction, B2BCall> _byInvite = new();
    private TransactionLayer? _transactions;

    public CallManager(PbxOptions options, LocationService location, LocalAddresses local, MediaRelay? relay, IEnumerable<Trunk> trunks, DialPlan dialPlan,
        IPAddress? externalAddress, ILogger log, TimeProvider time)
    {
        _options = options;
        _location = location;
        Local = local;
        _relay = relay;
        _trunks = trunks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _dialPlan = dialPlan;
        _external = externalAddress;
        Policy = new CallPolicy(options.Extensions);
        Log = log;
        Time = time;
    }

    /// <summary>Outbound permissions and per-extension call limits.</summary>
    public CallPolicy Policy { get; }

    public TransactionLayer Transactions
    {
        get => _transactions ?? throw new InvalidOperationException("Transaction layer not attached");
        set => _transactions = value;
    }

    public IReadOnlyCollection<Trunk> Trunks => (IReadOnlyCollection<Trunk>)_trunks.Values;

    /// <summary>Calls in progress (each counted once).</summary>
    public int ActiveCalls => _byInvite.Count;

    /// <summary>Whether internal calls go through the B2BUA and the relay too (Media:Anchor = Always).</summary>
    public bool AnchorsInternal => _options.MediaAnchoring == MediaAnchoring.Always && _relay is not null;

    internal LocalAddresses Local { get; }

    internal ILogger Log { get; }

    internal TimeProvider Time { get; }

    internal TimeSpan TimerC => _options.TimerC;

    internal string UserAgent => _options.ServerHeader;

    internal string AllowHeader { get; set; } = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO";

    /// <summary>The trunk whose proxy sent a request from <paramref name="source"/>, if any.</summary>
    public Trunk? TrunkFrom(IPEndPoint source) => _trunks.Values.FirstOrDefault(t => t.IsFrom(source));

    /// <summary>
    /// An authenticated extension dialed something that is not an extension: the dial plan picks a trunk.
    /// Returns false when no rule matches (the caller answers 404); otherwise the request has been dealt with.
    /// </summary>
    public bool TryOutbound(ServerTransaction tx, string caller, string dialed)
    {
        DialResult? route = _dialPlan.Resolve(dialed);
        if (route is null)
        {
            return false;
        }

        if (route.Barred)
        {
            Log.LogWarning("Outbound call from {Caller} to {Dialed} refused: the dial plan bars it", caller, dialed);
            tx.Respond(403, "Forbidden (number barred by the dial plan)");
            return true;
        }

        if (!_trunks.TryGetValue(route.Trunk, out Trunk? trunk))
        {
            tx.Respond(500, "Server Internal Error (dial plan names an unknown trunk)");
            return true;
        }

        // Toll fraud: every path to a trunk passes here, after the caller has authenticated as an extension.
        if (!Policy.Allows(caller, route.Class))
        {
            Log.LogWarning("Security: outbound call from {Caller} to {Number} refused: {Class} numbers are not allowed for {Caller}",
                caller, route.Number, route.Class, caller);
            tx.Respond(403, $"Forbidden ({route.Class} calls not allowed)");
            return true;
        }

        if (!Policy.TryAcquire(caller))
        {
            Log.LogWarning("Security: outbound call from {Caller} to {Number} refused: {Caller} is at its outbound call limit", caller, route.Number, caller);
            tx.Respond(403, "Forbidden (too many outbound calls)");
            return true;
        }

        if (!trunk.TryAcquireCall())
        {
            Policy.Release(caller);
            Log.LogWarning("Outbound call from {Caller} to {Number} refused: trunk {Trunk} is at MaxCalls ({Max})", caller, route.Number, trunk.Name, trunk.Options.MaxCalls);
            tx.Respond(503, "Service Unavailable (trunk busy)");
            return true;
        }

        TrunkOptions o = trunk.Options;
        string display = o.CallerId is { Length: > 0 } id ? $"\"{id}\" " : "";
        CallLeg a = LegA(tx, contactUser: dialed, facesTrunk: false);
        var b = new CallLeg
        {
            CallId = SipIds.NewCallId(),
            LocalTag = SipIds.NewTag(),
            LocalNameAddr = $"{display}<sip:{o.Username}@{o.Domain}>",
            RemoteNameAddr = $"<sip:{route.Number}@{o.Domain}>",
            RemoteTarget = $"sip:{route.Number}@{o.Domain}",
            Destination = o.Proxy,
            ContactUser = o.Username,
            FacesTrunk = true,
        };
        var headers = new List<KeyValuePair<string, string>>();
        if (o.CallerId is { Length: > 0 })
        {
            headers.Add(new("P-Asserted-Identity", $"<sip:{o.CallerId}@{o.Domain}>"));
        }

        var call = new B2BCall(this, tx, a, b, Anchored(trunkCall: true, a.CallId), trunk,
            $"call {Short(a.CallId)} {caller} -> {route.Number} via trunk {trunk.Name}")
        {
            OutboundCaller = caller,
        };
        Log.LogInformation("INVITE from {Caller} to {Dialed}: outbound as {Number} through trunk {Trunk}", caller, dialed, route.Number, trunk.Name);
        Launch(call, [(b.RemoteTarget, o.Proxy)], headers);
        return true;
    }

    /// <summary>An INVITE from a trunk's proxy: the DID (Request-URI user, else To user) rings the trunk's Inbound extension.</summary>
    public void Inbound(ServerTransaction tx, Trunk trunk)
    {
        SipMessage req = tx.Request;
        string ruriUser = req.RequestUri.HasUser ? req.RequestUri.UserUnescaped : "";
        string toUser = req.To.Uri.HasUser ? req.To.Uri.UserUnescaped : "";
        string? did = trunk.HasDid(ruriUser) ? ruriUser : trunk.HasDid(toUser) ? toUser : null;
        if (did is null)
        {
            Log.LogWarning("INVITE from trunk {Trunk} for {User} refused: not one of its DIDs", trunk.Name, toUser.Length > 0 ? toUser : ruriUser);
            tx.Respond(404, "Not Found");
            return;
        }

        string? target = trunk.Options.Inbound;
        if (target is null)
        {
            tx.Respond(480, "Temporarily Unavailable (no inbound target)");
            return;
        }

        if (!trunk.TryAcquireCall())
        {
            tx.Respond(503, "Service Unavailable (trunk busy)");
            return;
        }

        string caller = req.From.Uri.HasUser ? req.From.Uri.UserUnescaped : "anonymous";
        string display = req.From.DisplaySegment.Length > 0 ? Encoding.UTF8.GetString(req.From.Display).Trim('"') : caller;
        if (!Ring(tx, caller, display, target, facesTrunk: true, trunk, $"DID {did}"))
        {
            trunk.ReleaseCall();
        }
    }

    /// <summary>An internal call carried as B2BUA so that its media is anchored (Media:Anchor = Always).</summary>
    public void Internal(ServerTransaction tx, string caller, string target)
    {
        string display = tx.Request.From.DisplaySegment.Length > 0 ? Encoding.UTF8.GetString(tx.Request.From.Display).Trim('"') : caller;
        Ring(tx, caller, display, target, facesTrunk: false, trunk: null, "internal");
    }

    private bool Ring(ServerTransaction tx, string caller, string display, string target, bool facesTrunk, Trunk? trunk, string what)
    {
        IReadOnlyList<Binding> bindings = _location.Lookup(target);
        if (bindings.Count == 0)
        {
            Log.LogInformation("INVITE from {Caller} ({What}) to {Target}: not registered", caller, what, target);
            tx.Respond(480, "Temporarily Unavailable");
            return false;
        }

        CallLeg a = LegA(tx, contactUser: target, facesTrunk);
        var b = new CallLeg
        {
            CallId = SipIds.NewCallId(),
            LocalTag = SipIds.NewTag(),
            LocalNameAddr = $"\"{display.Replace("\"", "", StringComparison.Ordinal)}\" <sip:{caller}@{_options.Domain}>",
            RemoteNameAddr = $"<sip:{target}@{_options.Domain}>",
            RemoteTarget = $"sip:{target}@{_options.Domain}",
            Destination = bindings[0].Target,
            ContactUser = caller,
        };
        var call = new B2BCall(this, tx, a, b, Anchored(trunkCall: trunk is not null, a.CallId), trunk,
            $"call {Short(a.CallId)} {caller} -> {target} ({what})");
        Log.LogInformation("INVITE from {Caller} ({What}) to {Target}: {Count} contact(s)", caller, what, target, bindings.Count);
        Launch(call, bindings.Select(x => (x.ContactUri, x.Target)).ToArray(), []);
        return true;
    }

    private void Launch(B2BCall call, IReadOnlyList<(string, SipEndPoint)> targets, IEnumerable<KeyValuePair<string, string>> headers)
    {
        _byInvite[call.Invite] = call;
        _dialogs[call.A.Key] = call;
        _dialogs[call.B.Key] = call;
        call.Start(targets, headers);
    }

    private MediaSession? Anchored(bool trunkCall, string name) =>
        _relay is null || _options.MediaAnchoring == MediaAnchoring.Never || (!trunkCall && _options.MediaAnchoring != MediaAnchoring.Always)
            ? null
            : _relay.CreateSession(name);

    private static CallLeg LegA(ServerTransaction tx, string contactUser, bool facesTrunk)
    {
        SipMessage req = tx.Request;
        return new CallLeg
        {
            CallId = req.CallIdString,
            LocalTag = tx.ToTag,
            LocalNameAddr = req.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> to) ? Encoding.UTF8.GetString(to) : "",
            RemoteNameAddr = req.TryGetHeader(HeaderKind.From, out ReadOnlySpan<byte> from) ? Encoding.UTF8.GetString(from) : "",
            RemoteTarget = req.TryGetContact(out NameAddress c) && !c.IsStar ? c.Uri.ToString() : req.From.Uri.ToString(),
            RouteSet = B2BCall.RecordRoutes(req, reverse: false),
            Destination = new SipEndPoint(tx.From.Transport == TransportKind.Tcp ? TransportKind.Tcp : TransportKind.Udp, tx.From.Remote),
            ContactUser = contactUser,
            FacesTrunk = facesTrunk,
            RemoteCSeq = req.CSeq,
        };
    }

    /// <summary>The address to write into SDP sent to <paramref name="leg"/>'s party.</summary>
    internal IPAddress? MediaAddressFor(CallLeg leg)
    {
        if (_relay is null)
        {
            return null;
        }

        IPAddress bind = _relay.Options.BindAddress;
        if (bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any))
        {
            return leg.Self(Local).Address; // the address the party already reaches Anchor at (external toward a trunk)
        }

        return leg.FacesTrunk && _external is not null && !IPAddress.IsLoopback(leg.Destination.EndPoint.Address) ? _external : _relay.Advertised;
    }

    // ---- Dispatch from the transaction user ----

    /// <summary>A request with a To tag naming one of our B2BUA dialogs.</summary>
    public bool TryInDialog(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        if (!req.To.HasTag || !_dialogs.TryGetValue(CallLeg.DialogKey(req.CallIdString, Encoding.UTF8.GetString(req.To.Tag)), out B2BCall? call))
        {
            return false;
        }

        call.OnInDialogRequest(Which(call, req), tx);
        return true;
    }

    public bool TryAck(SipMessage ack)
    {
        if (!ack.To.HasTag || !_dialogs.TryGetValue(CallLeg.DialogKey(ack.CallIdString, Encoding.UTF8.GetString(ack.To.Tag)), out B2BCall? call))
        {
            return false;
        }

        call.OnAck(Which(call, ack), ack);
        return true;
    }

    public bool TryCancel(ServerTransaction invite)
    {
        if (!_byInvite.TryGetValue(invite, out B2BCall? call))
        {
            return false;
        }

        call.OnCancel();
        return true;
    }

    /// <summary>Ends every call (shutdown): BYE on both legs of answered calls, 503 to ringing ones.</summary>
    public void HangupAll(string reason)
    {
        foreach (B2BCall call in _byInvite.Values.ToArray())
        {
            call.Hangup(reason);
        }
    }

    internal void Register(B2BCall call, CallLeg leg) => _dialogs[leg.Key] = call;

    internal void Forget(B2BCall call)
    {
        _byInvite.TryRemove(new KeyValuePair<ServerTransaction, B2BCall>(call.Invite, call));
        if (call.OutboundCaller is { } caller)
        {
            Policy.Release(caller);
        }

        // Keep the dialogs findable a little longer: a late BYE or a retransmitted ACK gets an answer, not a proxy attempt.
        _ = Task.Delay(TimeSpan.FromSeconds(32), Time).ContinueWith(_ =>
        {
            _dialogs.TryRemove(new KeyValuePair<string, B2BCall>(call.A.Key, call));
            _dialogs.TryRemove(new KeyValuePair<string, B2BCall>(call.B.Key, call));
        }, TaskScheduler.Default);
    }

    private static CallLeg Which(B2BCall call, SipMessage m) =>
        string.Equals(m.CallIdString, call.A.CallId, StringComparison.Ordinal) && Encoding.UTF8.GetString(m.To.Tag) == call.A.LocalTag ? call.A : call.B;

    private static string Short(string callId) => callId.Length <= 8 ? callId : callId[..8];
}
