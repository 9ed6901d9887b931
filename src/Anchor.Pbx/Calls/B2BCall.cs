using System.Text;
using Anchor.Media.Relay;
using Anchor.Media.Sdp;
using Anchor.Pbx.Trunks;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Calls;

/// <summary>
/// A call Anchor carries as a back-to-back user agent (RFC 7092 §3.1): leg A is the dialog with the caller (Anchor is its
/// UAS), leg B the dialog Anchor opens toward the trunk or the called extension (Anchor is its UAC, forking to every
/// contact when it calls an extension). Responses, CANCEL, BYE, re-INVITE, UPDATE and other in-dialog requests are
/// mapped between the two; every SDP passes through the media relay when the call is anchored.
/// The ACK for a 2xx is sent to the answering side once the offering side has ACKed: that carries the answer of a
/// late offer (offer in the 2xx, answer in the ACK, §13.2.1) and costs nothing otherwise.
/// </summary>
internal sealed class B2BCall
{
    private readonly CallManager _m;
    private readonly Lock _gate = new();
    private readonly List<Branch> _branches = [];
    private static readonly StreamCounters Empty = new(0, false, null, false, 0, 0, 0, 0, 0, 0, 0);

    private ITimer? _retransmit2xx;
    private TimeSpan _retransmitInterval;
    private TimeSpan _retransmitElapsed;

    /// <summary>The 2xx being retransmitted until its ACK (§13.3.1.4).</summary>
    private (ServerTransaction Tx, byte[] Bytes)? _retransmitTarget;

    /// <summary>No response at all from the ITSP: the phone gets 503 (trunk calls only).</summary>
    private ITimer? _noResponse;

    /// <summary>Timer C: ringing that never ends is CANCELed.</summary>
    private ITimer? _ringing;
    private bool _anyResponse;
    private Branch? _winner;
    private KeyValuePair<string, string>[] _extraHeaders = [];

    /// <summary>The last SDP could not be mapped because the relay had no ports (or was stopping), not because it was bad.</summary>
    private bool _relayUnavailable;

    public B2BCall(CallManager manager, ServerTransaction invite, CallLeg a, CallLeg b, MediaSession? media, Trunk? trunk, string description)
    {
        _m = manager;
        Invite = invite;
        A = a;
        B = b;
        Media = media;
        Trunk = trunk;
        Description = description;
        if (media is not null)
        {
            media.MediaTimedOut += (_, leg) => Hangup($"media timeout: nothing from {(leg == Leg.A ? "the caller" : "the called side")}");
        }
    }

    public ServerTransaction Invite { get; }

    public CallLeg A { get; }

    public CallLeg B { get; }

    public MediaSession? Media { get; }

    public Trunk? Trunk { get; }

    public string Description { get; }

    /// <summary>
    /// The account leg B answers challenges with: the trunk's, only when leg B goes to the trunk (an inbound call's leg B
    /// goes to a phone, which must never be handed a digest of the trunk's password).
    /// </summary>
    public Anchor.Sip.Auth.DigestClient? Credentials => B.FacesTrunk ? Trunk?.Credentials : null;

    /// <summary>The extension whose outbound call slot this call holds (released when it ends).</summary>
    public string? OutboundCaller { get; init; }

    public bool Answered { get; private set; }

    public bool Ended { get; private set; }

    /// <summary>The offer/answer exchange waiting for the offering side's ACK (initial INVITE or a re-INVITE).</summary>
    private PendingInvite? _pending;

    private bool _cancelled;
    private int _authRounds;
    private byte[]? _bodyForB;
    private string? _contentTypeForB;
    private int _maxForwards = 70;

    // ---- Start ----

    /// <summary>Sends the INVITE of leg B to each target (one for a trunk, every binding for an extension).</summary>
    public void Start(IReadOnlyList<(string RequestUri, SipEndPoint Destination)> targets, IEnumerable<KeyValuePair<string, string>> extraHeaders)
    {
        SipMessage req = Invite.Request;
        _extraHeaders = extraHeaders.ToArray();
        _maxForwards = Math.Max(0, req.MaxForwards < 0 ? 70 : req.MaxForwards - 1);
        lock (_gate)
        {
            if (req.Body.Length > 0)
            {
                if (HasSdp(req))
                {
                    if (!TryMapSdp(Leg.A, req.BodySpan, out _bodyForB))
                    {
                        // No relay port free is Anchor's trouble (503, try later); an SDP that does not parse is the caller's (488).
                        RespondA(_relayUnavailable ? 503 : 488, _relayUnavailable ? "Service Unavailable (no media ports)" : "Not Acceptable Here (SDP)");
                        End(_relayUnavailable ? "no relay ports free" : "the caller's SDP is unusable");
                        return;
                    }

                    _contentTypeForB = "application/sdp";
                }
                else
                {
                    _bodyForB = req.BodySpan.ToArray();
                    _contentTypeForB = req.GetHeaderString("Content-Type");
                }
            }

            B.LocalCSeq = 1;
            foreach ((string uri, SipEndPoint dest) in targets)
            {
                SendBranch(uri, dest, authorization: null);
            }

            // Timer C (RFC 3261 §16.8) as a proxy would run it: ringing that never ends is CANCELed (the caller gets 487).
            _ringing = _m.Time.CreateTimer(_ => OnRingingTooLong(), null, _m.TimerC, Timeout.InfiniteTimeSpan);
            if (Trunk is not null && !Ended)
            {
                // An ITSP that says nothing at all (not even 100) is down: the phone hears 503 now, not after Timer B (32 s).
                _noResponse = _m.Time.CreateTimer(_ => OnNoResponse(), null, Trunk.Options.ResponseTimeout, Timeout.InfiniteTimeSpan);
            }

            FinishIfAllFailed();
        }
    }

    private void OnRingingTooLong()
    {
        lock (_gate)
        {
            if (Answered || Ended)
            {
                return;
            }

            _m.Log.LogInformation("{Call}: Timer C: no answer in {TimerC}; cancelling", Description, _m.TimerC);
            foreach (Branch b in _branches)
            {
                CancelBranch(b);
            }
        }
    }

    private void OnNoResponse()
    {
        lock (_gate)
        {
            if (_anyResponse || Answered || Ended)
            {
                return;
            }

            _m.Log.LogWarning("{Call}: no response from trunk {Trunk} at {Proxy} within {Timeout} s; the phone gets 503",
                Description, Trunk!.Name, Trunk.Options.Proxy, Trunk.Options.ResponseTimeout.TotalSeconds);
            _cancelled = true; // a late answer is ACKed and hung up
            RespondA(503, "Service Unavailable");
            End("the ITSP did not respond");
        }
    }

    private void SendBranch(string requestUri, SipEndPoint dest, KeyValuePair<string, string>? authorization)
    {
        IEnumerable<KeyValuePair<string, string>> headers = _extraHeaders;
        if (authorization is { } auth)
        {
            headers = headers.Append(auth);
        }

        headers = headers.Append(new("Allow", _m.AllowHeader));
        var saved = B.Destination;
        B.Destination = dest;
        byte[] invite = B.BuildRequest(_m.Local, "INVITE", B.LocalCSeq, _m.UserAgent, _bodyForB, _contentTypeForB, headers, requestUri, _maxForwards);
        B.Destination = saved;
        var branch = new Branch(this, requestUri, dest);
        _branches.Add(branch);
        try
        {
            branch.Tx = _m.Transactions.SendRequest(invite, dest, branch);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _m.Log.LogWarning(e, "{Call}: could not send INVITE to {Dest}", Description, dest);
            branch.Final = 503;
        }
    }

    // ---- Responses on leg B's initial INVITE ----

    private void OnBranchResponse(Branch branch, SipMessage response)
    {
        int status = response.StatusCode;
        lock (_gate)
        {
            _anyResponse = true;
            if (status < 200)
            {
                if (status > 100)
                {
                    branch.Provisional = status;
                    _ringing?.Change(_m.TimerC, Timeout.InfiniteTimeSpan); // §16.8 in spirit: each provisional restarts it
                    if (branch.CancelWanted)
                    {
                        CancelBranch(branch);
                        return;
                    }

                    if (!Answered && !_cancelled && !Ended)
                    {
                        byte[]? sdp = null;
                        if (HasSdp(response) && !TryMapSdp(Leg.B, response.BodySpan, out sdp))
                        {
                            sdp = null; // an early SDP we cannot read: ring without it
                        }

                        RespondA(status, Encoding.UTF8.GetString(response.Reason), sdp);
                    }
                }

                return;
            }

            if (status < 300)
            {
                OnBranchAnswered(branch, response);
                return;
            }

            branch.Final = status;
            branch.FinalResponse = response;
            if (status is 401 or 407 && Credentials is not null && !_cancelled && _authRounds < 2)
            {
                // Answer the ITSP's challenge with the trunk's account (§22.2): same Call-ID and tags, next CSeq.
                var answer = Credentials.Answer(response, "INVITE", branch.RequestUri);
                if (answer is not null)
                {
                    _authRounds++;
                    _branches.Remove(branch);
                    B.LocalCSeq++;
                    SendBranch(branch.RequestUri, branch.Destination, answer);
                    return;
                }
            }

            if (status >= 600)
            {
                foreach (Branch other in _branches)
                {
                    CancelBranch(other); // §16.7 step 6 applies to a forking UAC as well: a 6xx ends the search
                }
            }

            FinishIfAllFailed();
        }
    }

    private void OnBranchAnswered(Branch branch, SipMessage response)
    {
        if (branch.Answered)
        {
            // A retransmitted 2xx (our ACK was lost or is not sent yet): ACK again if we have.
            if (_pending?.AckForAnswerer is { } ack && branch == _winner)
            {
                _ = _m.Transactions.SendStatelessAsync(ack, B.Destination).AsTask();
            }

            return;
        }

        branch.Answered = true;
        branch.Final = 200;
        if (Answered || _cancelled || Ended)
        {
            // Another fork answered first, or the caller gave up: ACK and BYE this one (§13.2.2.4).
            AckAndBye(branch, response);
            return;
        }

        Answered = true;
        _ringing?.Dispose();
        _winner = branch;
        B.RemoteNameAddr = ToHeader(response);
        B.RemoteTarget = ContactUri(response) ?? branch.RequestUri;
        B.RouteSet = RecordRoutes(response, reverse: true);
        B.Destination = branch.Destination;
        _m.Register(this, B);
        foreach (Branch other in _branches)
        {
            if (other != branch)
            {
                CancelBranch(other);
            }
        }

        byte[]? sdp = null;
        if (HasSdp(response) && !TryMapSdp(Leg.B, response.BodySpan, out sdp))
        {
            _m.Log.LogWarning("{Call}: the answer's SDP does not parse; hanging up", Description);
            AckAndBye(branch, response);
            RespondA(502, "Bad Gateway (unreadable SDP)");
            End("unreadable SDP in the answer");
            return;
        }

        _pending = new PendingInvite(Leg.A, null) { AnswererCSeq = B.LocalCSeq, Answerer = Leg.B };
        _m.Log.LogInformation("{Call}: answered", Description);
        RespondA(200, "OK", sdp);
        StartRetransmitting2xx();
    }

    private void OnBranchFailure(Branch branch, ClientTransactionError error)
    {
        lock (_gate)
        {
            if (branch.Final != 0)
            {
                return;
            }

            branch.Final = error == ClientTransactionError.Timeout ? 408 : 503;
            _m.Log.LogInformation("{Call}: no answer from {Dest} ({Error})", Description, branch.Destination, error);
            FinishIfAllFailed();
        }
    }

    /// <summary>When every branch has a final non-2xx answer, the caller gets the best of them (mapped for trunks).</summary>
    private void FinishIfAllFailed()
    {
        if (Answered || Ended || _branches.Any(b => b.Final == 0))
        {
            return;
        }

        int status;
        string reason;
        if (_cancelled)
        {
            status = 487;
            reason = "Request Terminated";
        }
        else
        {
            Branch? best = _branches.Where(b => b.Final >= 300).OrderBy(b => Rank(b.Final)).FirstOrDefault();
            status = best?.Final ?? 503;
            reason = best?.FinalResponse is { } r ? Encoding.UTF8.GetString(r.Reason) : status switch
            {
                408 => "Request Timeout",
                480 => "Temporarily Unavailable",
                _ => "Service Unavailable",
            };
            if (Trunk is not null && (status is 401 or 407 or >= 500 and < 600 or 408 or < 400))
            {
                // The ITSP failed us (timeout, 5xx, refused credentials): the phone hears "service unavailable".
                _m.Log.LogWarning("{Call}: trunk {Trunk} answered {Status}; the phone gets 503", Description, Trunk.Name, status);
                status = 503;
                reason = "Service Unavailable";
            }
            else if (status is < 400 or 401 or 407)
            {
                status = 480;
                reason = "Temporarily Unavailable";
            }
        }

        RespondA(status, reason);
        End($"{status} {reason}");
    }

    /// <summary>§16.7 step 6 preference: 6xx, then 486-like answers, then the rest by class.</summary>
    private static int Rank(int status) => status switch
    {
        >= 600 => 0,
        486 or 600 => 1,
        >= 400 and < 500 and not (408 or 480) => 2,
        480 or 408 => 3,
        _ => 4,
    };

    // ---- CANCEL, ACK, in-dialog requests ----

    /// <summary>The caller CANCELed (§9.2): 487 to it, CANCEL to every ringing branch.</summary>
    public void OnCancel()
    {
        lock (_gate)
        {
            if (Answered || Ended)
            {
                return;
            }

            _cancelled = true;
            foreach (Branch b in _branches)
            {
                CancelBranch(b);
            }

            RespondA(487, "Request Terminated");
            End("cancelled by the caller");
        }
    }

    /// <summary>An ACK in one of the call's dialogs: the offering side confirms a 2xx; pass the ACK on to the answering side.</summary>
    public void OnAck(CallLeg on, SipMessage ack)
    {
        lock (_gate)
        {
            PendingInvite? p = _pending;
            if (p is null || on != LegOf(p.Offerer) || p.AckForAnswerer is not null)
            {
                return; // no 2xx waiting for this ACK, or a retransmitted ACK: absorbed
            }

            StopRetransmitting2xx();
            byte[]? body = null;
            if (HasSdp(ack) && !TryMapSdp(p.Offerer, ack.BodySpan, out body))
            {
                body = null;
            }

            // The answering side's 2xx is confirmed now (with the answer, after a late offer). The exchange stays
            // recorded so that a retransmitted 2xx from the answering side is ACKed again.
            CallLeg answerer = LegOf(p.Answerer);
            p.AckForAnswerer = answerer.BuildRequest(_m.Local, "ACK", p.AnswererCSeq, _m.UserAgent, body, body is null ? null : "application/sdp");
            _ = _m.Transactions.SendStatelessAsync(p.AckForAnswerer, answerer.Destination).AsTask();
        }
    }

    /// <summary>A request inside one of the call's dialogs.</summary>
    public void OnInDialogRequest(CallLeg on, ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        Leg fromLeg = on == A ? Leg.A : Leg.B;
        CallLeg other = fromLeg == Leg.A ? B : A;
        lock (_gate)
        {
            if (req.CSeq <= on.RemoteCSeq && on.RemoteCSeq != 0 && req.Method != SipMethod.Ack)
            {
                tx.Respond(500, "Server Internal Error (CSeq out of order)", [new("Retry-After", "1")]); // §12.2.2
                return;
            }

            on.RemoteCSeq = req.CSeq;
            if (req.TryGetContact(out NameAddress contact) && req.Method is SipMethod.Invite or SipMethod.Update)
            {
                on.RemoteTarget = contact.Uri.ToString(); // §12.2.2: a target refresh
            }

            switch (req.Method)
            {
                case SipMethod.Bye:
                    tx.Respond(200, "OK");
                    if (!Ended)
                    {
                        SendInDialog(other, "BYE", default, null, IgnoreResponses.Instance);
                        End($"BYE from {(fromLeg == Leg.A ? "the caller" : "the called side")}");
                    }

                    return;
                case SipMethod.Invite when !Answered || (_pending is not null && _pending.AckForAnswerer is null):
                    tx.Respond(491, "Request Pending"); // RFC 3261 §14.2: one offer/answer at a time
                    return;
                case SipMethod.Refer or SipMethod.Subscribe:
                    tx.Respond(501, "Not Implemented (transfer arrives with a later release)");
                    return;
            }

            if (Ended)
            {
                tx.Respond(481, "Call/Transaction Does Not Exist");
                return;
            }

            byte[]? body = null;
            string? contentType = null;
            if (req.Body.Length > 0)
            {
                contentType = req.GetHeaderString("Content-Type");
                if (HasSdp(req))
                {
                    if (!TryMapSdp(fromLeg, req.BodySpan, out body))
                    {
                        tx.Respond(488, "Not Acceptable Here (SDP does not parse)");
                        return;
                    }
                }
                else
                {
                    body = req.BodySpan.ToArray();
                }
            }

            string method = Encoding.ASCII.GetString(req.MethodBytes);
            var relay = new InDialogRelay(this, tx, fromLeg);
            if (req.Method == SipMethod.Invite)
            {
                _pending = new PendingInvite(fromLeg, tx) { Answerer = fromLeg == Leg.A ? Leg.B : Leg.A };
            }

            uint cseq = SendInDialog(other, method, body, contentType, relay);
            if (_pending?.Request == tx)
            {
                _pending.AnswererCSeq = cseq;
            }
        }
    }

    private void OnRelayedResponse(InDialogRelay relay, SipMessage response)
    {
        lock (_gate)
        {
            int status = response.StatusCode;
            if (status < 200 || relay.Done)
            {
                if (status >= 200 && status < 300 && relay.Origin.IsInvite && _pending?.AckForAnswerer is { } ack)
                {
                    _ = _m.Transactions.SendStatelessAsync(ack, LegOf(_pending.Answerer).Destination).AsTask();
                }

                return;
            }

            relay.Done = true;
            byte[]? body = null;
            string? contentType = null;
            if (response.Body.Length > 0)
            {
                contentType = response.GetHeaderString("Content-Type");
                Leg responder = relay.From == Leg.A ? Leg.B : Leg.A;
                if (HasSdp(response))
                {
                    if (!TryMapSdp(responder, response.BodySpan, out body))
                    {
                        body = null;
                        contentType = null;
                    }
                }
                else
                {
                    body = response.BodySpan.ToArray();
                }
            }

            CallLeg origin = LegOf(relay.From);
            byte[] bytes = BuildResponse(relay.Origin, origin, status, Encoding.UTF8.GetString(response.Reason), body, contentType);
            relay.Origin.Respond(status, bytes);
            if (relay.Origin.IsInvite)
            {
                if (status < 300)
                {
                    _retransmitTarget = (relay.Origin, bytes);
                    StartRetransmitting2xx();
                }
                else
                {
                    _pending = null; // the re-INVITE failed: the old session stands (§14.1)
                }
            }
        }
    }

    private void OnRelayedFailure(InDialogRelay relay, ClientTransactionError error)
    {
        lock (_gate)
        {
            if (relay.Done)
            {
                return;
            }

            relay.Done = true;
            if (relay.Origin.IsInvite)
            {
                _pending = null;
            }

            relay.Origin.Respond(error == ClientTransactionError.Timeout ? 408 : 503, error == ClientTransactionError.Timeout ? "Request Timeout" : "Service Unavailable");
        }
    }

    // ---- Ending ----

    /// <summary>Ends an established call from Anchor's side (media timeout, shutdown): BYE on both legs.</summary>
    public void Hangup(string reason)
    {
        lock (_gate)
        {
            if (Ended)
            {
                return;
            }

            if (Answered)
            {
                SendInDialog(A, "BYE", default, null, IgnoreResponses.Instance);
                SendInDialog(B, "BYE", default, null, IgnoreResponses.Instance);
            }
            else
            {
                _cancelled = true;
                foreach (Branch b in _branches)
                {
                    CancelBranch(b);
                }

                RespondA(503, "Service Unavailable");
            }

            End(reason);
        }
    }

    private void End(string reason)
    {
        if (Ended)
        {
            return;
        }

        Ended = true;
        StopRetransmitting2xx();
        _noResponse?.Dispose();
        _ringing?.Dispose();
        string stats = "";
        if (Media is not null)
        {
            IReadOnlyList<StreamCounters> ca = Media.Counters(Leg.A);
            StreamCounters a = ca.Count > 0 ? ca[0] : Empty;
            IReadOnlyList<StreamCounters> cb = Media.Counters(Leg.B);
            StreamCounters b = cb.Count > 0 ? cb[0] : Empty;
            stats = $"; RTP caller->called {a.Forwarded}/{a.Packets} packets (lost {a.Lost}, jitter {a.JitterMs:0.0} ms), called->caller {b.Forwarded}/{b.Packets} (lost {b.Lost}, jitter {b.JitterMs:0.0} ms)";
            Media.Dispose();
        }

        Trunk?.ReleaseCall();
        _m.Forget(this);
        _m.Log.LogInformation("{Call}: ended ({Reason}){Stats}", Description, reason, stats);
    }

    // ---- Helpers ----

    private CallLeg LegOf(Leg leg) => leg == Leg.A ? A : B;

    private uint SendInDialog(CallLeg leg, string method, ReadOnlySpan<byte> body, string? contentType, IClientTransactionUser user)
    {
        uint cseq = ++leg.LocalCSeq;
        byte[] bytes = leg.BuildRequest(_m.Local, method, cseq, _m.UserAgent, body, contentType);
        try
        {
            _m.Transactions.SendRequest(bytes, leg.Destination, user);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _m.Log.LogWarning(e, "{Call}: could not send {Method}", Description, method);
        }

        return cseq;
    }

    private void AckAndBye(Branch branch, SipMessage response)
    {
        var leg = new CallLeg
        {
            CallId = B.CallId,
            LocalTag = B.LocalTag,
            LocalNameAddr = B.LocalNameAddr,
            RemoteNameAddr = ToHeader(response),
            RemoteTarget = ContactUri(response) ?? branch.RequestUri,
            RouteSet = RecordRoutes(response, reverse: true),
            Destination = branch.Destination,
            ContactUser = B.ContactUser,
            FacesTrunk = B.FacesTrunk,
            LocalCSeq = response.CSeq,
        };
        byte[] ack = leg.BuildRequest(_m.Local, "ACK", response.CSeq, _m.UserAgent);
        _ = _m.Transactions.SendStatelessAsync(ack, leg.Destination).AsTask();
        SendInDialog(leg, "BYE", default, null, IgnoreResponses.Instance);
    }

    private void CancelBranch(Branch b)
    {
        if (b.Final != 0 || b.CancelSent || b.Tx is null)
        {
            return;
        }

        if (b.Provisional == 0)
        {
            b.CancelWanted = true; // §9.1: CANCEL only once something provisional came back
            return;
        }

        b.CancelSent = true;
        try
        {
            _m.Transactions.SendRequest(SipRequestFactory.Cancel(b.Tx.Request), b.Destination, IgnoreResponses.Instance);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _m.Log.LogDebug(e, "CANCEL not sent");
        }
    }

    /// <summary>A response on leg A's initial INVITE, with Anchor's Contact and the (rewritten) SDP.</summary>
    private void RespondA(int status, string reason, byte[]? sdp = null)
    {
        if (Invite.LastStatus >= 200)
        {
            return;
        }

        byte[] bytes = BuildResponse(Invite, A, status, reason, sdp, sdp is null ? null : "application/sdp");
        if (status is >= 200 and < 300)
        {
            _retransmitTarget = (Invite, bytes);
        }

        Invite.Respond(status, bytes);
    }

    private byte[] BuildResponse(ServerTransaction tx, CallLeg leg, int status, string reason, byte[]? body, string? contentType)
    {
        SipMessageWriter w = SipResponseBuilder.Start(tx.Request, status, reason, tx.From, leg.LocalTag, copyRecordRoute: status is > 100 and < 300);
        if (status is > 100 and < 300)
        {
            w.Header("Contact", leg.Contact(_m.Local));
        }

        if (status is >= 200 and < 300 && tx.IsInvite)
        {
            w.Header("Allow", _m.AllowHeader);
        }

        w.Header("Server", _m.UserAgent);
        return w.Finish(body, body is null ? null : contentType);
    }

    /// <summary>
    /// §13.3.1.4: the UAS core retransmits its 2xx to an INVITE (T1 doubling to T2) until the ACK comes; with no ACK
    /// after 64·T1 the call is ended with BYE. Only over UDP: reliable transports carry it once.
    /// </summary>
    private void StartRetransmitting2xx()
    {
        if (_retransmitTarget is not { } t)
        {
            return;
        }

        StopRetransmitting2xx();
        SipTimerSettings timers = _m.Transactions.Timers;
        bool reliable = t.Tx.From.Transport != TransportKind.Udp;
        _retransmitInterval = timers.T1;
        _retransmitElapsed = TimeSpan.Zero;
        TimeSpan first = reliable ? timers.Timeout64 : timers.T1;
        _retransmit2xx = _m.Time.CreateTimer(_ => OnRetransmitTimer(reliable), null, first, Timeout.InfiniteTimeSpan);
    }

    private void OnRetransmitTimer(bool reliable)
    {
        lock (_gate)
        {
            if (_retransmit2xx is null || _retransmitTarget is not { } t || Ended)
            {
                return;
            }

            SipTimerSettings timers = _m.Transactions.Timers;
            _retransmitElapsed += reliable ? timers.Timeout64 : _retransmitInterval;
            if (_retransmitElapsed >= timers.Timeout64)
            {
                _m.Log.LogWarning("{Call}: no ACK for the 2xx; hanging up", Description);
                StopRetransmitting2xx();
                _pending = null;
                Hangup("no ACK");
                return;
            }

            t.Tx.Respond(200, t.Bytes);
            _retransmitInterval = TimeSpan.FromTicks(Math.Min(_retransmitInterval.Ticks * 2, timers.T2.Ticks));
            _retransmit2xx.Change(_retransmitInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopRetransmitting2xx()
    {
        _retransmit2xx?.Dispose();
        _retransmit2xx = null;
    }

    private bool TryMapSdp(Leg from, ReadOnlySpan<byte> body, out byte[]? mapped)
    {
        if (Media is null)
        {
            mapped = body.ToArray();
            return true;
        }

        mapped = null;
        if (!SessionDescription.TryParse(body, out SessionDescription? sdp, out string? error))
        {
            _m.Log.LogInformation("{Call}: SDP from leg {Leg} does not parse: {Error}", Description, from, error);
            return false;
        }

        try
        {
            mapped = Media.Apply(from, sdp!, _m.MediaAddressFor(from == Leg.A ? B : A));
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            _m.Log.LogWarning("{Call}: {Error}", Description, e.Message);
            _relayUnavailable = true;
            return false;
        }
    }


    internal static bool HasSdp(SipMessage m) =>
        m.Body.Length > 0 && (m.GetHeaderString("Content-Type") is not { } ct || ct.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase));

    private static string ToHeader(SipMessage m) =>
        m.TryGetHeader(HeaderKind.To, out ReadOnlySpan<byte> v) ? Encoding.UTF8.GetString(v) : "";

    private static string? ContactUri(SipMessage m) => m.TryGetContact(out NameAddress c) && !c.IsStar ? c.Uri.ToString() : null;

    internal static List<string> RecordRoutes(SipMessage m, bool reverse)
    {
        var list = new List<string>();
        foreach (var item in m.EnumerateValues(HeaderKind.RecordRoute))
        {
            list.Add(Encoding.UTF8.GetString(m[item]));
        }

        if (reverse)
        {
            list.Reverse();
        }

        return list;
    }

    private sealed class PendingInvite(Leg offerer, ServerTransaction? request)
    {
        public Leg Offerer { get; } = offerer;

        public Leg Answerer { get; init; }

        /// <summary>The re-INVITE being relayed; null for the initial INVITE.</summary>
        public ServerTransaction? Request { get; } = request;

        public uint AnswererCSeq { get; set; }

        public byte[]? AckForAnswerer { get; set; }
    }

    /// <summary>One INVITE of leg B (one per contact of a called extension; a new one after an auth challenge).</summary>
    private sealed class Branch(B2BCall call, string requestUri, SipEndPoint destination) : IClientTransactionUser
    {
        public string RequestUri { get; } = requestUri;

        public SipEndPoint Destination { get; } = destination;

        public ClientTransaction? Tx { get; set; }

        public int Provisional { get; set; }

        public int Final { get; set; }

        public SipMessage? FinalResponse { get; set; }

        public bool Answered { get; set; }

        public bool CancelWanted { get; set; }

        public bool CancelSent { get; set; }

        public void OnResponse(ClientTransaction transaction, SipMessage response) => call.OnBranchResponse(this, response);

        public void OnFailure(ClientTransaction transaction, ClientTransactionError error) => call.OnBranchFailure(this, error);
    }

    /// <summary>A request relayed from one leg to the other; its final response goes back to <see cref="Origin"/>.</summary>
    private sealed class InDialogRelay(B2BCall call, ServerTransaction origin, Leg from) : IClientTransactionUser
    {
        public ServerTransaction Origin { get; } = origin;

        public Leg From { get; } = from;

        public bool Done { get; set; }

        public void OnResponse(ClientTransaction transaction, SipMessage response) => call.OnRelayedResponse(this, response);

        public void OnFailure(ClientTransaction transaction, ClientTransactionError error) => call.OnRelayedFailure(this, error);
    }
}
