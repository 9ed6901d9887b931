using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Sip.Auth;
using Anchor.Sip.Editing;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Anchor.Sip.Uas;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Proxy;

/// <summary>
/// The stateful proxy (RFC 3261 §16) between the office's phones: authenticates requests from extensions (407),
/// forks an INVITE to every contact of the called extension, relays the best answer, cancels the losers, and
/// Record-Routes so that in-dialog requests come back through Anchor and follow their Route set.
/// </summary>
public sealed class ProxyCore
{
    private static readonly ElementCapabilities Capabilities = new()
    {
        Methods = new HashSet<SipMethod>
        {
            SipMethod.Invite, SipMethod.Ack, SipMethod.Bye, SipMethod.Cancel, SipMethod.Options, SipMethod.Register, SipMethod.Info,
            SipMethod.Prack, SipMethod.Update, SipMethod.Subscribe, SipMethod.Notify, SipMethod.Refer, SipMethod.Message,
        },
    };

    private readonly PbxOptions _options;
    private readonly ExtensionAuth _auth;
    private readonly LocationService _location;
    private readonly LocalAddresses _local;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ServerTransaction, ProxyContext> _contexts = new();
    private TransactionLayer? _transactions;

    public ProxyCore(PbxOptions options, ExtensionAuth auth, LocationService location, LocalAddresses local, ILogger log, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _options = options;
        _auth = auth;
        _location = location;
        _local = local;
        _log = log;
    }

    /// <summary>Set once the transaction layer (which needs the TU first) exists.</summary>
    public TransactionLayer Transactions
    {
        get => _transactions ?? throw new InvalidOperationException("Transaction layer not attached");
        set => _transactions = value;
    }

    public ElementCapabilities Allowed => Capabilities;

    /// <summary>The back-to-back side: calls beyond the office (dial plan, trunks) and anchored internal calls.</summary>
    public Calls.CallManager? Calls { get; set; }

    public void OnRequest(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        CheckFailure? failure = RequestChecks.CheckProxy(req, Capabilities);
        if (failure is not null)
        {
            tx.Respond(failure.Status, failure.Reason, failure.Headers);
            return;
        }

        if (req.Method == SipMethod.Unknown)
        {
            tx.Respond(501, "Not Implemented", [new("Allow", Capabilities.AllowHeader)]);
            return;
        }

        // In a dialog, or with a preloaded Route set that goes on past Anchor: follow the Route set.
        if (req.To.HasTag || !RoutesOnlyToUs(req))
        {
            ForwardInDialog(tx);
            return;
        }

        ForwardInitial(tx);
    }

    /// <summary>An initial request: authenticate the calling extension, find the called one, fork to its contacts.</summary>
    private void ForwardInitial(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        string? user = _auth.Authenticate(tx, proxy: true);
        if (user is null)
        {
            return;
        }

        // The caller may only speak as itself (Kamailio's check_from): no calling as another extension.
        string fromUser = req.From.Uri.UserUnescaped;
        if (!string.Equals(fromUser, user, StringComparison.Ordinal))
        {
            tx.Respond(403, "Forbidden (From does not match the credentials)");
            return;
        }

        if (!_local.IsLocal(req.RequestUri) || !req.RequestUri.HasUser)
        {
            // Calls beyond the office go through trunks and the dial plan (a later issue); nothing else is routable.
            tx.Respond(404, "Not Found");
            return;
        }

        string target = req.RequestUri.UserUnescaped;
        if (!_auth.IsExtension(target))
        {
            // Extensions take precedence; anything else dialed goes through the dial plan to a trunk.
            if (req.Method == SipMethod.Invite && Calls is not null && Calls.TryOutbound(tx, user, target))
            {
                return;
            }

            tx.Respond(404, "Not Found");
            return;
        }

        if (req.Method == SipMethod.Invite && Calls is { AnchorsInternal: true })
        {
            Calls.Internal(tx, user, target);
            return;
        }

        IReadOnlyList<Binding> bindings = _location.Lookup(target);
        if (bindings.Count == 0)
        {
            _log.LogInformation("{Method} from {From} to {To}: not registered", MethodName(req), fromUser, target);
            tx.Respond(480, "Temporarily Unavailable");
            return;
        }

        _log.LogInformation("{Method} from {From} to {To}: {Count} contact(s)", MethodName(req), fromUser, target, bindings.Count);
        var ctx = new ProxyContext(tx);
        _contexts[tx] = ctx;
        bool recordRoute = req.Method is SipMethod.Invite or SipMethod.Subscribe or SipMethod.Refer;
        lock (ctx.Gate)
        {
            // §16.4: a preloaded Route naming Anchor is removed from the copies.
            bool stripRoute = req.IndexOf(HeaderKind.Route) >= 0;
            foreach (Binding b in bindings)
            {
                StartBranch(ctx, Encoding.UTF8.GetBytes(b.ContactUri), b.Target, recordRoute, stripRoute);
            }

            ctx.Starting = false;
            FinishIfDone(ctx);
        }
    }

    /// <summary>§16.12 / §12.2: a request inside a dialog, or with Anchor's Record-Route on top: follow the Route set.</summary>
    private void ForwardInDialog(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        if (!TryNextHop(req, out SipEndPoint? dest, out bool stripRoute))
        {
            tx.Respond(req.To.HasTag ? 481 : 404, req.To.HasTag ? "Call/Transaction Does Not Exist" : "Not Found");
            return;
        }

        var ctx = new ProxyContext(tx);
        _contexts[tx] = ctx;
        lock (ctx.Gate)
        {
            StartBranch(ctx, default, dest!, recordRoute: false, stripRoute);
            ctx.Starting = false;
            FinishIfDone(ctx);
        }
    }

    /// <summary>ACK for a 2xx is end to end (§13.2.2.4): forwarded statelessly along its Route set.</summary>
    public void OnAck(SipMessage ack, ReceivedFrom from)
    {
        if (ack.MaxForwards == 0 || !TryNextHop(ack, out SipEndPoint? dest, out bool stripRoute))
        {
            return;
        }

        byte[] bytes = Edit(ack, from, default, dest!, recordRoute: false, stripRoute);
        _ = Transactions.SendStatelessAsync(bytes, dest!).AsTask();
    }

    /// <summary>§16.10: CANCEL matched a request being proxied: cancel every pending branch; the 487s come back as the final answer.</summary>
    public void OnCancel(ServerTransaction invite)
    {
        if (!_contexts.TryGetValue(invite, out ProxyContext? ctx))
        {
            invite.Respond(487, "Request Terminated");
            return;
        }

        lock (ctx.Gate)
        {
            ctx.CancelRequested = true;
            foreach (ProxyBranch b in ctx.Branches)
            {
                CancelBranch(b);
            }
        }
    }

    /// <summary>A response no transaction wanted: a 2xx retransmitted after its transaction ended. Forwarded statelessly by Via (§16.7).</summary>
    public void OnStrayResponse(SipMessage response, ReceivedFrom from)
    {
        if (response.StatusCode is < 200 or >= 300 || response.ViaCount < 2 || !IsOurVia(response.TopVia))
        {
            return;
        }

        byte[] popped = new MessageEditor(response).PopVia().ToArray();
        SipParseResult r = SipParser.ParseDatagram(popped);
        if (r.Status == SipParseStatus.Complete && ViaDestination(r.Message!.TopVia) is { } dest)
        {
            _ = Transactions.SendStatelessAsync(popped, dest).AsTask();
        }
    }

    internal void OnBranchResponse(ProxyBranch branch, ClientTransaction tx, SipMessage response)
    {
        ProxyContext ctx = branch.Context;
        int status = response.StatusCode;
        lock (ctx.Gate)
        {
            if (status < 200)
            {
                branch.Provisional = Math.Max(branch.Provisional, status);
                if (status > 100)
                {
                    branch.TimerC?.Change(_options.TimerC, Timeout.InfiniteTimeSpan); // §16.7 step 2
                }

                if (branch.CancelWanted)
                {
                    CancelBranch(branch);
                }

                // §16.7 step 5: provisional responses other than 100 go upstream while nothing final has.
                if (status > 100 && !ctx.Finished)
                {
                    ctx.Server.Respond(status, Upstream(response));
                }

                return;
            }

            if (branch.IsPending)
            {
                branch.Final = status;
                branch.TimerC?.Dispose();
            }

            if (status < 300)
            {
                // Every 2xx goes upstream, even after another branch answered (§16.7 step 5): the caller ACKs and BYEs extras.
                ctx.Server.Respond(status, Upstream(response));
                if (!ctx.Answered)
                {
                    ctx.Answered = true;
                    ctx.Finished = true;
                    foreach (ProxyBranch other in ctx.Branches)
                    {
                        if (other != branch)
                        {
                            CancelBranch(other);
                        }
                    }
                }
            }
            else if (!ctx.Finished)
            {
                ctx.Consider(response);
                if (status >= 600)
                {
                    // §16.7 step 6: a 6xx ends the search.
                    foreach (ProxyBranch other in ctx.Branches)
                    {
                        CancelBranch(other);
                    }
                }
            }

            FinishIfDone(ctx);
        }
    }

    internal void OnBranchFailure(ProxyBranch branch, ClientTransactionError error)
    {
        ProxyContext ctx = branch.Context;
        lock (ctx.Gate)
        {
            if (!branch.IsPending)
            {
                return;
            }

            // §16.7 step 2 / §16.8: a timed-out branch counts as a 408; an unreachable one as 480 (the phone is gone, §16.9).
            branch.Final = error == ClientTransactionError.Timeout ? 408 : 480;
            branch.TimerC?.Dispose();
            ctx.SyntheticStatus = ctx.SyntheticStatus == 0 ? branch.Final : Math.Min(ctx.SyntheticStatus, branch.Final);
            FinishIfDone(ctx);
        }
    }

    /// <summary>
    /// §16.8: Timer C fired. A branch that has rung is CANCELed (its 487 then ends it); one that never answered at all
    /// counts as a 408.
    /// </summary>
    internal void OnTimerC(ProxyBranch branch)
    {
        ProxyContext ctx = branch.Context;
        lock (ctx.Gate)
        {
            if (!branch.IsPending)
            {
                return;
            }

            _log.LogInformation("Timer C: no final answer from a branch of {CallId} in {TimerC}", ctx.Server.Request.CallIdString, _options.TimerC);
            if (branch.Provisional > 0)
            {
                CancelBranch(branch);
                return;
            }

            branch.Final = 408;
            ctx.SyntheticStatus = ctx.SyntheticStatus == 0 ? 408 : Math.Min(ctx.SyntheticStatus, 408);
            FinishIfDone(ctx);
        }
    }

    /// <summary>When no branch is pending, the best final response goes upstream (§16.7 step 6), unless a 2xx already did.</summary>
    private void FinishIfDone(ProxyContext ctx)
    {
        if (ctx.Starting || ctx.Branches.Any(b => b.IsPending))
        {
            return;
        }

        _contexts.TryRemove(new KeyValuePair<ServerTransaction, ProxyContext>(ctx.Server, ctx));
        if (ctx.Finished)
        {
            return;
        }

        ctx.Finished = true;
        if (ctx.Best is { } best && (ctx.SyntheticStatus == 0 || best.StatusCode / 100 <= ctx.SyntheticStatus / 100 || best.StatusCode >= 600))
        {
            if (best.StatusCode == 503)
            {
                ctx.Server.Respond(500, "Server Internal Error"); // §16.7 step 6: 503 is never relayed
            }
            else
            {
                ctx.Server.Respond(best.StatusCode, Upstream(best));
            }

            return;
        }

        int status = ctx.CancelRequested ? 487 : ctx.SyntheticStatus == 0 ? 500 : ctx.SyntheticStatus;
        ctx.Server.Respond(status, status switch
        {
            487 => "Request Terminated",
            408 => "Request Timeout",
            480 => "Temporarily Unavailable",
            _ => "Server Internal Error",
        });
    }

    private void StartBranch(ProxyContext ctx, ReadOnlySpan<byte> requestUri, SipEndPoint dest, bool recordRoute, bool stripRoute)
    {
        var branch = new ProxyBranch(this, ctx);
        ctx.Branches.Add(branch);
        byte[] bytes = Edit(ctx.Server.Request, ctx.Server.From, requestUri, dest, recordRoute, stripRoute);
        if (ctx.Server.IsInvite)
        {
            branch.TimerC = _time.CreateTimer(static b => ((ProxyBranch)b!).Core.OnTimerC((ProxyBranch)b!), branch, _options.TimerC, Timeout.InfiniteTimeSpan);
        }

        try
        {
            branch.Transaction = Transactions.SendRequest(bytes, dest, branch);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _log.LogWarning(e, "Could not forward {Method}", MethodName(ctx.Server.Request));
            branch.Final = 500;
            ctx.SyntheticStatus = 500;
        }
    }

    /// <summary>The forwarded copy (§16.6): new Request-URI, Max-Forwards less one, Record-Route, own Via on top, credentials for our realm removed.</summary>
    private byte[] Edit(SipMessage req, ReceivedFrom from, ReadOnlySpan<byte> requestUri, SipEndPoint dest, bool recordRoute, bool stripRoute)
    {
        IPEndPoint self = _local.For(dest.Transport, dest.EndPoint);
        string branch = SipIds.NewBranch();
        string transport = dest.Transport == TransportKind.Tcp ? "TCP" : "UDP";
        var e = new MessageEditor(req);
        if (!requestUri.IsEmpty)
        {
            e.SetRequestUri(requestUri);
        }

        if (stripRoute)
        {
            e.RemoveFirstRoute();
        }

        e.DecrementMaxForwards();
        if (req.Method != SipMethod.Ack)
        {
            e.StampTopVia(from.Remote);
        }

        if (recordRoute)
        {
            e.AddRecordRoute(Encoding.ASCII.GetBytes($"<sip:{LocalAddresses.HostPort(self)};lr>"));
        }

        e.PushVia(Encoding.ASCII.GetBytes($"SIP/2.0/{transport} {LocalAddresses.HostPort(self)};branch={branch};rport"));
        if (req.IndexOf(HeaderKind.ProxyAuthorization) >= 0)
        {
            e.RemoveHeaders(HeaderKind.ProxyAuthorization); // §22.3: credentials for our realm stop here
        }

        return e.ToArray();
    }

    /// <summary>CANCEL a branch once it has a provisional answer; until then remember that it is wanted (§9.1).</summary>
    private void CancelBranch(ProxyBranch b)
    {
        if (!b.IsPending || b.CancelSent || b.Transaction is null || !b.Transaction.IsInvite)
        {
            return;
        }

        if (b.Provisional == 0)
        {
            b.CancelWanted = true;
            return;
        }

        b.CancelSent = true;
        byte[] cancel = SipRequestFactory.Cancel(b.Transaction.Request);
        Transactions.SendRequest(cancel, b.Transaction.Destination, IgnoreResponses.Instance);
    }

    private static byte[] Upstream(SipMessage response) => new MessageEditor(response).PopVia().ToArray();

    /// <summary>Route processing for requests that carry a Route set: strip our own entry, then go to the next Route or the Request-URI.</summary>
    private bool TryNextHop(SipMessage req, out SipEndPoint? dest, out bool stripRoute)
    {
        dest = null;
        stripRoute = false;
        var routes = new List<NameAddress>();
        foreach (var item in req.EnumerateValues(HeaderKind.Route))
        {
            if (!req.TryParseNameAddress(item, out NameAddress r))
            {
                return false;
            }

            routes.Add(r);
        }

        int next = 0;
        if (routes.Count > 0 && _local.IsLocal(routes[0].Uri))
        {
            stripRoute = true;
            next = 1;
        }

        if (next < routes.Count)
        {
            dest = UriDestination(routes[next].Uri);
            return dest is not null;
        }

        SipUri target = req.RequestUri;
        if (_local.IsLocal(target))
        {
            return false; // addressed to Anchor itself, and Anchor is not a party to any dialog
        }

        // A phone's Contact is where it registered from: reach it at its NAT binding when we know one.
        string uri = target.ToString();
        Binding? binding = _location.FindByContact(uri);
        dest = binding?.Target ?? UriDestination(target);
        return dest is not null;
    }

    private static SipEndPoint? UriDestination(in SipUri uri)
    {
        if (!uri.IsSip || !IPAddress.TryParse(uri.HostString.Trim('[', ']'), out IPAddress? ip))
        {
            return null; // host names need RFC 3263 resolution, which arrives with trunks
        }

        TransportKind t = uri.TryGetParameter("transport"u8, out ReadOnlySpan<byte> tp) && Ascii.EqualsIgnoreCase(tp, "tcp"u8)
            ? TransportKind.Tcp : TransportKind.Udp;
        return new SipEndPoint(t, new IPEndPoint(ip, uri.Port == 0 ? 5060 : uri.Port));
    }

    private static SipEndPoint? ViaDestination(in SipVia via)
    {
        string host = via.Received.IsEmpty ? via.HostString : Encoding.ASCII.GetString(via.Received);
        if (!IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip))
        {
            return null;
        }

        // Never answer toward a broadcast or multicast address (RFC 4475 §3.3.10: an amplification attack).
        if (ip.Equals(IPAddress.Broadcast) || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ip.GetAddressBytes()[0] >= 224))
        {
            return null;
        }

        int port = via.RPort > 0 ? via.RPort : via.Port == 0 ? 5060 : via.Port;
        return new SipEndPoint(via.Transport == TransportKind.Tcp ? TransportKind.Tcp : TransportKind.Udp, new IPEndPoint(ip, port));
    }

    /// <summary>True when the request has no Route, or every Route entry names Anchor.</summary>
    public bool RoutesOnlyToUs(SipMessage req)
    {
        foreach (var item in req.EnumerateValues(HeaderKind.Route))
        {
            if (!req.TryParseNameAddress(item, out NameAddress r) || !_local.IsLocal(r.Uri))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsOurVia(in SipVia via) =>
        IPAddress.TryParse(via.HostString.Trim('[', ']'), out IPAddress? ip) && _local.IsLocal(ip, via.Port == 0 ? 5060 : via.Port);

    private static string MethodName(SipMessage m) => Encoding.ASCII.GetString(m.MethodBytes);
}
