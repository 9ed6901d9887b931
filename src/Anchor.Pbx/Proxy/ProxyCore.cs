using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Sip.Dialogs;
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
public sealed partial class ProxyCore
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
    private readonly ConcurrentDictionary<ServerTransaction, ProxyContext> _contexts = new();
    private readonly DialogTokens _tokens;
    private TransactionLayer? _transactions;

    public ProxyCore(PbxOptions options, ExtensionAuth auth, LocationService location, LocalAddresses local, DialogTokens tokens, ILogger log)
    {
        _tokens = tokens;
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

    /// <summary>Decides what an initial request is for (proxy, application, refusal); set by the host.</summary>
    public Routing.Router? Router { get; set; }

    /// <summary>Runs the calls the router gives to applications; set by the host.</summary>
    public Calls.CallHost? Calls { get; set; }

    /// <summary>Where the records of proxied calls go (set by the host; null keeps none).</summary>
    public Records.CallRecords? Records { get; set; }

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

        // In a dialog: only one Anchor set up goes on (ForwardInDialog). Outside one, a Route set that goes on past Anchor
        // would make Anchor a relay to any host, a trunk's proxy among them, with no extension's password at all.
        if (req.To.HasTag)
        {
            ForwardInDialog(tx);
            return;
        }

        if (!RoutesOnlyToUs(req))
        {
            PbxLog.RouteBeyond(_log, MethodName(req), tx.From.Remote);
            tx.Respond(403, "Forbidden (Route beyond this server)");
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

        if (!_local.IsLocal(req.RequestUri) || !req.RequestUri.HasUser || Router is null)
        {
            tx.Respond(404, "Not Found"); // only what Anchor serves is routable: its users, its codes, its dial plan
            return;
        }

        string target = req.RequestUri.UserUnescaped;
        switch (Router.Route(req, user, target, tx.From.Remote))
        {
            case Routing.RejectDecision r:
                tx.Respond(r.Status, r.Reason, r.Headers);
                return;
            case Routing.ApplicationDecision app when Calls is not null:
                Start(tx, app);
                return;
            case Routing.ProxyDecision p:
                Fork(tx, fromUser, target, p);
                return;
            case Routing.LocalDecision local:
                local.Handle(tx);
                return;
            default:
                tx.Respond(500, "Server Internal Error");
                return;
        }
    }

    /// <summary>Hands the call to its application (the release of what the router took runs when the call ends).</summary>
    public void Start(ServerTransaction tx, Routing.ApplicationDecision app) =>
        Calls!.Start(tx, app.Application, app.Info, app.CallerFacesTrunk, app.Release);

    /// <summary>§16.6: a copy of the request to each contact of the called extension, Record-Routed when it creates a dialog.</summary>
    private void Fork(ServerTransaction tx, string fromUser, string target, Routing.ProxyDecision decision)
    {
        SipMessage req = tx.Request;
        IReadOnlyList<Binding> bindings = decision.Bindings;
        PbxLog.Forking(_log, MethodName(req), fromUser, target, bindings.Count);
        var ctx = new ProxyContext(tx);
        _contexts[tx] = ctx;
        if (tx.IsInvite && Calls is not null)
        {
            ctx.OnBusy = decision.OnBusy;
            ctx.OnNoAnswer = decision.OnNoAnswer;
            if (decision.NoAnswer > TimeSpan.Zero && decision.OnNoAnswer is not null)
            {
                ctx.NoAnswerTimer = new SipTimer(Transactions.TimerQueue, () => OnNoAnswer(ctx));
                ctx.NoAnswerTimer.Start(decision.NoAnswer);
            }

            Track(ctx, fromUser, target);
        }

        string? token = req.Method is SipMethod.Invite or SipMethod.Subscribe or SipMethod.Refer ? IssueToken(req) : null;
        lock (ctx.Gate)
        {
            // §16.4: a preloaded Route naming Anchor is removed from the copies.
            bool stripRoute = req.IndexOf(HeaderKind.Route) >= 0;
            foreach (Binding b in bindings)
            {
                StartBranch(ctx, Encoding.UTF8.GetBytes(b.ContactUri), b.Target, token, stripRoute);
            }

            ctx.Starting = false;
            FinishIfDone(ctx);
        }
    }

    /// <summary>
    /// §16.12 / §12.2: a request inside a dialog follows its Route set, but only in a dialog Anchor record-routed
    /// itself (its Route names Anchor with a genuine token) and only to one of the dialog's parties
    /// (<see cref="InDialogHop"/>). Anything else is 481: it never reaches a trunk or a host Anchor does not serve.
    /// </summary>
    private void ForwardInDialog(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        SipEndPoint? dest = InDialogHop(req, tx.From.Remote);
        if (dest is null)
        {
            tx.Respond(481, "Call/Transaction Does Not Exist");
            return;
        }

        if (req.Method == SipMethod.Bye)
        {
            string callId = req.CallIdString;
            Router?.Lines.EndCall(callId); // the busy lamps of both phones go off
            if (Records is { } records)
            {
                // The BYE goes on once the call's record is committed: by the time its 200 comes back, a kill -9 loses nothing.
                records.Proxied.Bye(callId, req.From.HasTag ? System.Text.Encoding.ASCII.GetString(req.From.Tag) : null, () => Relay(tx, dest));
                return;
            }
        }

        Relay(tx, dest);
    }

    private void Relay(ServerTransaction tx, SipEndPoint dest)
    {
        var ctx = new ProxyContext(tx);
        _contexts[tx] = ctx;
        lock (ctx.Gate)
        {
            StartBranch(ctx, default, dest, token: null, stripRoute: true);
            ctx.Starting = false;
            FinishIfDone(ctx);
        }
    }

    /// <summary>ACK for a 2xx is end to end (§13.2.2.4): forwarded statelessly along its Route set.</summary>
    public void OnAck(SipMessage ack, ReceivedFrom from)
    {
        if (ack.MaxForwards == 0 || InDialogHop(ack, from.Remote) is not { } dest)
        {
            return;
        }

        byte[] bytes = Edit(ack, from, default, dest, token: null, stripRoute: true);
        _ = Transactions.SendStatelessAsync(bytes, dest).AsTask();
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
                b.Cancel();
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

    internal void OnBranchResponse(ProxyBranch branch, SipMessage response)
    {
        ProxyContext ctx = branch.Context;
        int status = response.StatusCode;
        lock (ctx.Gate)
        {
            if (status < 200)
            {
                branch.NoteProvisional(status); // restarts Timer C, sends a CANCEL that was waiting
                if (status > 100 && !ctx.Finished)
                {
                    Line(ctx, Presence.LinePhase.Early, response);
                }

                // §16.7 step 5: provisional responses other than 100 go upstream while nothing final has.
                if (status > 100 && !ctx.Finished)
                {
                    ctx.Server.Respond(status, Upstream(response));
                }

                return;
            }

            branch.NoteFinal(status);
            if (status < 300 && ctx.HandedOver)
            {
                branch.AckAndBye(response); // the call went to the mailbox: too late to answer it
                return;
            }

            if (status < 300)
            {
                ctx.NoAnswerTimer?.Cancel();
                ctx.Ringing?.Dispose();
                if (!ctx.Answered)
                {
                    Line(ctx, Presence.LinePhase.Confirmed, response);
                    if (ctx.Info is not null)
                    {
                        Records?.Proxied.Answered(ctx.Server.Request.CallIdString);
                    }
                }

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
                            other.Cancel();
                        }
                    }
                }
            }
            else if (!ctx.Finished)
            {
                ctx.Best.Consider(response);
                if (status >= 600)
                {
                    // §16.7 step 6: a 6xx ends the search.
                    foreach (ProxyBranch other in ctx.Branches)
                    {
                        other.Cancel();
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
            int status = error == ClientTransactionError.Timeout ? 408 : 480;
            branch.NoteFinal(status);
            ctx.Best.ConsiderSynthetic(status);
            FinishIfDone(ctx);
        }
    }

    /// <summary>§16.8: Timer C fired. A branch that has rung is CANCELed (its 487 then ends it); one that never answered counts as a 408.</summary>
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
            if (!branch.CancelOrTimeOut())
            {
                ctx.Best.ConsiderSynthetic(408);
                FinishIfDone(ctx);
            }
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
        ctx.NoAnswerTimer?.Cancel();
        ctx.Ringing?.Dispose();
        BestResponse best = ctx.Best;
        Func<Routing.RouteDecision>? next = ctx.CancelRequested ? null : best.Status switch
        {
            486 or 600 or 603 => ctx.OnBusy,
            480 or 408 or 404 => ctx.OnNoAnswer,
            _ => null,
        };
        if (next is null && !ctx.CancelRequested && best.Status is >= 300 and < 400 && Redirect(ctx, best.Response) is { } redirect)
        {
            next = redirect; // RFC 3261 §16.5: the phone's own forward, followed here
        }

        if (next is not null)
        {
            HandOver(ctx, $"{best.Status} from every contact", next);
            return;
        }

        Line(ctx, Presence.LinePhase.Terminated, null);
        if (ctx.Info is not null)
        {
            Records?.Proxied.Failed(ctx.Server.Request.CallIdString, best.Status == 503 ? 500 : best.Status, ctx.CancelRequested);
        }

        if (best.Response is { } response)
        {
            if (best.Status == 503)
            {
                ctx.Server.Respond(500, "Server Internal Error"); // §16.7 step 6: 503 is never relayed
            }
            else
            {
                ctx.Server.Respond(best.Status, Upstream(response));
            }

            return;
        }

        int status = ctx.CancelRequested ? 487 : best.Status == 0 ? 500 : best.Status;
        ctx.Server.Respond(status, ReasonPhrases.For(status));
    }

    /// <summary>The extension did not answer in its NoAnswerSeconds: its phones stop ringing and the mailbox takes the call.</summary>
    private void OnNoAnswer(ProxyContext ctx)
    {
        lock (ctx.Gate)
        {
            if (ctx.Finished || ctx.CancelRequested)
            {
                return;
            }

            ctx.Finished = true;
            _contexts.TryRemove(new KeyValuePair<ServerTransaction, ProxyContext>(ctx.Server, ctx));
            foreach (ProxyBranch b in ctx.Branches)
            {
                b.Cancel();
            }

            HandOver(ctx, "no answer", ctx.OnNoAnswer!);
        }
    }

    /// <param name="token">The Record-Route token (<see cref="DialogTokens"/>) when the request creates a dialog; null: no Record-Route.</param>
    private void StartBranch(ProxyContext ctx, ReadOnlySpan<byte> requestUri, SipEndPoint dest, string? token, bool stripRoute)
    {
        var branch = new ProxyBranch(this, ctx, Transactions, dest, ctx.Server.IsInvite ? _options.TimerC : TimeSpan.Zero);
        ctx.Branches.Add(branch);
        byte[] bytes = Edit(ctx.Server.Request, ctx.Server.From, requestUri, dest, token, stripRoute);
        if (!branch.Send(bytes))
        {
            _log.LogWarning("Could not forward {Method} to {Destination}", MethodName(ctx.Server.Request), dest);
            branch.Final = 500;
            ctx.Best.ConsiderSynthetic(500);
        }
    }

    /// <summary>The forwarded copy (§16.6): new Request-URI, Max-Forwards less one, Record-Route, own Via on top, credentials for our realm removed.</summary>
    private byte[] Edit(SipMessage req, ReceivedFrom from, ReadOnlySpan<byte> requestUri, SipEndPoint dest, string? token, bool stripRoute)
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

        if (token is not null)
        {
            e.AddRecordRoute(Encoding.ASCII.GetBytes($"<sip:{LocalAddresses.HostPort(self)};lr;dlg={token}>"));
        }

        e.PushVia(Encoding.ASCII.GetBytes($"SIP/2.0/{transport} {LocalAddresses.HostPort(self)};branch={branch};rport"));
        if (req.IndexOf(HeaderKind.ProxyAuthorization) >= 0)
        {
            e.RemoveHeaders(HeaderKind.ProxyAuthorization); // §22.3: credentials for our realm stop here
        }

        return e.ToArray();
    }

    private static byte[] Upstream(SipMessage response) => new MessageEditor(response).PopVia().ToArray();

    /// <summary>
    /// The Record-Route token of a dialog-creating request: its Call-ID and From tag, and the caller's next hop (the
    /// Record-Route an upstream element put before ours, else its Contact).
    /// </summary>
    private string IssueToken(SipMessage req)
    {
        foreach (var item in req.EnumerateValues(HeaderKind.RecordRoute))
        {
            if (req.TryParseNameAddress(item, out NameAddress rr))
            {
                return _tokens.Issue(req.CallId, req.From.Tag, rr.Uri);
            }
        }

        return _tokens.Issue(req.CallId, req.From.Tag, req.TryGetContact(out NameAddress contact) && !contact.IsStar ? contact.Uri : req.From.Uri);
    }

    private static string MethodName(SipMessage m) => Encoding.ASCII.GetString(m.MethodBytes);
}
