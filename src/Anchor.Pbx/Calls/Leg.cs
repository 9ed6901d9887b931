using System.Text;
using Anchor.Media.Sdp;
using Anchor.Pbx.Calls.Media;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;

namespace Anchor.Pbx.Calls;

/// <summary>Which way a leg was set up: the party called Anchor (Anchor is its UAS), or Anchor called the party (UAC).</summary>
public enum LegRole
{
    Incoming,
    Outgoing,
}

public enum LegState
{
    /// <summary>Incoming: not answered yet. Outgoing: the INVITE is out.</summary>
    Setup,

    /// <summary>Answered (2xx sent or received).</summary>
    Confirmed,

    Ended,
}

/// <summary>Whoever deals with a leg's in-dialog requests: a <see cref="Bridge"/>, or the call itself when an application holds the leg.</summary>
public interface ILegHandler
{
    /// <summary>A request in the leg's dialog, other than BYE (ended by the leg), ACK and CANCEL.</summary>
    void OnRequest(Leg from, ServerTransaction tx);

    /// <summary>An ACK for a 2xx the leg sent.</summary>
    void OnAck(Leg from, SipMessage ack);
}

/// <summary>
/// One party of a call: the RFC 3261 §12 dialog Anchor keeps with it (as UAS for an incoming leg, as UAC for an
/// outgoing one), the INVITE exchange that set it up, its offer/answer state and its media endpoint. Everything here
/// runs inside the call's serial gate.
/// </summary>
public sealed class Leg
{
    private readonly CallHost _host;
    private InviteServer? _reinvite;

    private Leg(Call call, string name, LegRole role, SipEndPoint destination, bool facesTrunk, string contactUser)
    {
        Call = call;
        _host = call.Host;
        Name = name;
        Role = role;
        Destination = destination;
        FacesTrunk = facesTrunk;
        ContactUser = contactUser;
    }

    /// <summary>The call the leg is in (an attended transfer moves a leg into the transferee's call).</summary>
    public Call Call { get; internal set; }

    /// <summary>The call's name for the party ("101", "itsp", "caller"), used in logs and media timeouts.</summary>
    public string Name { get; }

    public LegRole Role { get; }

    public LegState State { get; private set; }

    /// <summary>Faces the ITSP: Via, Contact and SDP carry the external address when one is set.</summary>
    public bool FacesTrunk { get; }

    /// <summary>User part of the Contact Anchor gives the party.</summary>
    public string ContactUser { get; }

    /// <summary>Where requests for the party go: its source address (NAT), the trunk's proxy, its binding.</summary>
    public SipEndPoint Destination { get; private set; }

    public Dialog? Dialog { get; private set; }

    /// <summary>The Call-ID of the leg's dialog (an outgoing leg's from its INVITE on).</summary>
    public string? CallId { get; private set; }

    /// <summary>Anchor's tag in the leg's dialog.</summary>
    public string? Tag { get; private set; }

    /// <summary>The office extension this leg's party is (null for a trunk's party): who may transfer, whose classes apply.</summary>
    public string? Extension { get; set; }

    /// <summary>The party has left the call's business (a transferor after its transfer): its BYE ends only its own leg.</summary>
    public bool Detached { get; set; }

    public OfferAnswer Offers { get; } = new();

    public IMediaEndpoint Media { get; set; } = DirectMedia.Instance;

    public ILegHandler? Handler { get; set; }

    /// <summary>The incoming INVITE that created the leg (incoming legs).</summary>
    public InviteServer? Initial { get; private set; }

    /// <summary>The outgoing INVITE (outgoing legs).</summary>
    public InviteClient? Client { get; private set; }

    /// <summary>The 2xx the leg answered with is waiting for its ACK (initial INVITE or re-INVITE).</summary>
    public bool AwaitingAck => Initial?.AwaitingAck == true || _reinvite?.AwaitingAck == true;

    /// <summary>Whether the party's latest offer put the other side on hold (RFC 3264 §8.4).</summary>
    public bool HoldsPeer { get; set; }

    // ---- Incoming ----

    /// <summary>The leg of a party that called Anchor: the dialog Anchor forms as UAS (§12.1.1), found by Call-ID and Anchor's tag.</summary>
    internal static Leg Incoming(Call call, ServerTransaction tx, string name, bool facesTrunk, string contactUser)
    {
        var dest = new SipEndPoint(tx.From.Transport == TransportKind.Tcp ? TransportKind.Tcp : TransportKind.Udp, tx.From.Remote);
        var leg = new Leg(call, name, LegRole.Incoming, dest, facesTrunk, contactUser);
        leg.Initial = new InviteServer(tx, call.Host.Transactions, s => call.Gate.Post(() => leg.OnAckTimeout(s)));
        leg.Dialog = Dialog.ForUas(tx.Request, tx.ToTag, dest, call.Host.SentBy(leg), call.Host.Contact(leg));
        leg.Dialog.UserAgent = call.Host.UserAgent;
        leg.CallId = tx.Request.CallIdString;
        leg.Tag = tx.ToTag;
        call.Host.Register(leg);
        return leg;
    }

    /// <summary>A provisional response on the initial INVITE (180 ringing, 183 with early media).</summary>
    public void Progress(int status, string reason, byte[]? sdp = null)
    {
        if (Initial is { Finished: false } inv)
        {
            inv.Respond(status, BuildResponse(inv.Transaction, status, reason, sdp, sdp is null ? null : "application/sdp"));
        }
    }

    /// <summary>Answers the initial INVITE (200, retransmitted until the ACK).</summary>
    public void Answer(byte[]? body, string contentType = "application/sdp", IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (Initial is not { Finished: false } inv)
        {
            return;
        }

        State = LegState.Confirmed;
        Dialog!.State = DialogState.Confirmed;
        inv.Respond(200, BuildResponse(inv.Transaction, 200, "OK", body, body is null ? null : contentType, headers));
    }

    /// <summary>Refuses the initial INVITE; the leg is over.</summary>
    public void Reject(int status, string reason, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (Initial is { Finished: false } inv)
        {
            inv.Respond(status, BuildResponse(inv.Transaction, status, reason, null, null, headers));
        }

        End();
    }

    // ---- Outgoing ----

    /// <summary>A leg toward a party Anchor calls; <see cref="Dial"/> sends the INVITE.</summary>
    internal static Leg Outgoing(Call call, string name, SipEndPoint destination, bool facesTrunk, string contactUser) =>
        new(call, name, LegRole.Outgoing, destination, facesTrunk, contactUser);

    /// <summary>
    /// Sends the INVITE to every target (a forking UAC: <see cref="InviteClient"/>) as <paramref name="from"/>
    /// (name-addr, no tag) to <paramref name="to"/>; what happens is reported to <paramref name="user"/> inside the gate.
    /// </summary>
    internal void Dial(IReadOnlyList<InviteTarget> targets, string from, string to, byte[]? body, string? contentType,
        IReadOnlyList<KeyValuePair<string, string>> headers, InviteClientOptions options, IInviteClientUser user, int maxForwards = 70)
    {
        string callId = SipIds.NewCallId();
        string tag = SipIds.NewTag();
        CallId = callId;
        Tag = tag;
        _host.Register(this, new DialogId(callId, tag));
        Client = new InviteClient(_host.Transactions, new GateUser(this, user), (target, cseq, auth) =>
        {
            Destination = target.Destination;
            var w = new SipMessageWriter(900 + (body?.Length ?? 0));
            w.RequestLine(Encoding.ASCII.GetBytes("INVITE"), Encoding.UTF8.GetBytes(target.RequestUri));
            w.Header("Via", $"SIP/2.0/{(target.Destination.Transport == TransportKind.Tcp ? "TCP" : "UDP")} {_host.SentBy(this)};branch={SipIds.NewBranch()};rport");
            w.Header("Max-Forwards", maxForwards.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.Header("From", $"{from};tag={tag}");
            w.Header("To", to);
            w.Header("Call-ID", callId);
            w.Header("CSeq", $"{cseq} INVITE");
            w.Header("Contact", _host.Contact(this));
            w.Header("Allow", CallHost.AllowHeader);
            w.Header("User-Agent", _host.UserAgent);
            foreach (var h in headers)
            {
                w.Header(h.Key, h.Value);
            }

            if (auth is { } a)
            {
                w.Header(a.Key, a.Value);
            }

            return w.Finish(body, body is null ? null : contentType);
        }, options);
        Client.Start(targets);
    }

    /// <summary>The outgoing INVITE was answered: the leg's dialog (§12.1.2). The caller of this sends the ACK (<see cref="Ack"/>).</summary>
    internal void Confirm(Dialog dialog)
    {
        Dialog = dialog;
        Dialog.UserAgent = _host.UserAgent;
        Destination = dialog.Destination;
        State = LegState.Confirmed;
    }

    /// <summary>The ACK for the answer to Anchor's INVITE (with the answer of a late offer, when given).</summary>
    public void Ack(byte[]? body = null)
    {
        if (Client is { Winner: not null } client && Dialog is { } d)
        {
            client.Ack(d.CreateAck(client.CSeq, body, body is null ? null : "application/sdp"));
        }
    }

    // ---- Both ----

    /// <summary>Sends a request in the leg's dialog; its responses go to <paramref name="user"/> (on the transport's thread).</summary>
    public uint Send(string method, byte[]? body = null, string? contentType = null, IEnumerable<KeyValuePair<string, string>>? headers = null,
        IClientTransactionUser? user = null)
    {
        if (Dialog is not { } d)
        {
            return 0;
        }

        uint cseq = d.NextCSeq();
        byte[] bytes = d.CreateRequest(method, body, contentType, headers, cseq);
        try
        {
            _host.Transactions.SendRequest(bytes, d.Destination, user ?? IgnoreResponses.Instance);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Call.Note($"could not send {method} to {Name}: {e.Message}");
        }

        return cseq;
    }

    /// <summary>
    /// Anchor's own re-INVITE in the leg's dialog with <paramref name="sdp"/> as the offer (a join): completes, back in
    /// the call's gate when awaited there, with the final response (a 2xx is ACKed, and ACKed again when retransmitted),
    /// or null when none came (timeout, transport failure) or the leg has no dialog.
    /// </summary>
    public Task<SipMessage?> ReinviteAsync(byte[] sdp, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (Dialog is null || State != LegState.Confirmed)
        {
            return Task.FromResult<SipMessage?>(null);
        }

        var user = new ReinviteUser(this);
        user.CSeq = Send("INVITE", sdp, "application/sdp", headers, user);
        return user.Answer.Task;
    }

    /// <summary>Sends a 2xx to a re-INVITE (or UPDATE, or any in-dialog request) through the right machinery.</summary>
    public void Respond(ServerTransaction tx, int status, string reason, byte[]? body = null, string? contentType = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        byte[] bytes = BuildResponse(tx, status, reason, body, body is null ? null : contentType ?? "application/sdp", headers);
        if (tx.IsInvite && tx != Initial?.Transaction)
        {
            _reinvite = new InviteServer(tx, _host.Transactions, s => Call.Gate.Post(() => OnAckTimeout(s)));
            _reinvite.Respond(status, bytes); // a 2xx is retransmitted until its ACK
            return;
        }

        tx.Respond(status, bytes);
    }

    /// <summary>Ends the leg from Anchor's side: BYE when confirmed; CANCEL while Anchor's INVITE rings; 487 while the party's does.</summary>
    public void Hangup(int status = 487, string reason = "Request Terminated")
    {
        switch (State)
        {
            case LegState.Ended:
                return;
            case LegState.Confirmed:
                Send("BYE");
                break;
            case LegState.Setup when Role == LegRole.Outgoing:
                Client?.Cancel();
                break;
            case LegState.Setup:
                Reject(status, reason);
                return;
        }

        End();
    }

    /// <summary>
    /// The leg is over (a BYE either way, a refusal): it stops being found. Its media stays until the call ends (its
    /// counters go into the call's log line) or the owner releases it (<see cref="IMediaEndpoint.Release"/>).
    /// </summary>
    internal void End()
    {
        if (State == LegState.Ended)
        {
            return;
        }

        State = LegState.Ended;
        Initial?.Stop();
        _reinvite?.Stop();
        _host.Forget(this);
    }

    /// <summary>A request in the leg's dialog (inside the gate).</summary>
    internal void OnRequest(ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        if (State == LegState.Ended)
        {
            tx.Respond(481, "Call/Transaction Does Not Exist");
            return;
        }

        if (Dialog is { } d && !d.AcceptRemoteCSeq(req))
        {
            tx.Respond(500, "Server Internal Error (CSeq out of order)", [new("Retry-After", "1")]); // §12.2.2
            return;
        }

        if (req.Method is SipMethod.Invite or SipMethod.Update)
        {
            Dialog?.RefreshTarget(req); // §12.2.2: a target refresh
        }

        if (req.Method == SipMethod.Bye)
        {
            End();
            Call.OnLegHungUp(this);

            // The call's record is committed before the 200: a phone that saw its call end finds it in the history,
            // whatever happens to the process next.
            if (Call.Host.Records is { } records)
            {
                records.WhenWritten(() => tx.Respond(200, "OK"));
            }
            else
            {
                tx.Respond(200, "OK");
            }

            return;
        }

        if (Handler is null)
        {
            tx.Respond(481, "Call/Transaction Does Not Exist");
            return;
        }

        Handler.OnRequest(this, tx);
    }

    /// <summary>An ACK in the leg's dialog (inside the gate).</summary>
    internal void OnAck(SipMessage ack)
    {
        bool mine = (Initial?.OnAck(ack) ?? false) | (_reinvite?.OnAck(ack) ?? false);
        if (mine && State != LegState.Ended)
        {
            Handler?.OnAck(this, ack);
        }
    }

    /// <summary>A response Anchor sends as this leg's UAS: Anchor's tag and Contact, Allow on 2xx to INVITE, the body.</summary>
    public byte[] BuildResponse(ServerTransaction tx, int status, string reason, byte[]? body, string? contentType,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        string? tag = Dialog?.LocalTag ?? tx.ToTag;
        SipMessageWriter w = SipResponseBuilder.Start(tx.Request, status, reason, tx.From, tag, copyRecordRoute: status is > 100 and < 300);
        if (status is > 100 and < 300)
        {
            w.Header("Contact", _host.Contact(this));
        }

        if (status is >= 200 and < 300 && tx.IsInvite)
        {
            w.Header("Allow", CallHost.AllowHeader);
        }

        w.Header("Server", _host.UserAgent);
        foreach (var h in headers ?? [])
        {
            w.Header(h.Key, h.Value);
        }

        return w.Finish(body, body is null ? null : contentType);
    }

    /// <summary>The SDP in a message, if it carries one; false with <paramref name="error"/> when it carries one that does not parse.</summary>
    public static bool TryGetSdp(SipMessage m, out SessionDescription? sdp, out string? error)
    {
        sdp = null;
        error = null;
        if (m.Body.Length == 0 || (m.GetHeaderString("Content-Type") is { } ct && !ct.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return SessionDescription.TryParse(m.BodySpan, out sdp, out error);
    }

    private void OnAckTimeout(InviteServer s)
    {
        if (State != LegState.Ended)
        {
            Call.Note($"no ACK from {Name} for the 2xx; hanging up");
            Call.End(EndReason.NoAck, "no ACK");
        }
    }

    /// <summary>Hands every event of the leg's INVITE client to the owner inside the call's gate.</summary>
    private sealed class GateUser(Leg leg, IInviteClientUser inner) : IInviteClientUser
    {
        public void OnProvisional(InviteClient client, InviteClient.Branch branch, SipMessage response) =>
            leg.Call.Gate.Post(() => inner.OnProvisional(client, branch, response));

        public void OnAnswered(InviteClient client, InviteClient.Branch branch, SipMessage response, Dialog dialog) =>
            leg.Call.Gate.Post(() => inner.OnAnswered(client, branch, response, dialog));

        public void OnFailed(InviteClient client, InviteFailure failure) => leg.Call.Gate.Post(() => inner.OnFailed(client, failure));

        public void OnTimerC(InviteClient client, InviteClient.Branch branch) => leg.Call.Gate.Post(() => inner.OnTimerC(client, branch));
    }

    /// <summary>The responses to Anchor's own re-INVITE: the final one completes <see cref="Answer"/>; every 2xx is ACKed (§13.2.2.4).</summary>
    private sealed class ReinviteUser(Leg leg) : IClientTransactionUser
    {
        public uint CSeq { get; set; }

        public TaskCompletionSource<SipMessage?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnResponse(ClientTransaction transaction, SipMessage response)
        {
            if (response.StatusCode < 200)
            {
                return;
            }

            if (response.StatusCode < 300 && leg.Dialog is { } d)
            {
                _ = leg._host.Transactions.SendStatelessAsync(d.CreateAck(CSeq), d.Destination).AsTask();
            }

            Answer.TrySetResult(response);
        }

        public void OnFailure(ClientTransaction transaction, ClientTransactionError error) => Answer.TrySetResult(null);
    }
}
