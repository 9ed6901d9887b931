using System.Text;
using Anchor.Media.Sdp;
using Anchor.Pbx.Calls.Media;
using Anchor.Sip.Dialogs;
using Anchor.Sip.Message;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Calls;

/// <summary>
/// Two legs joined back to back (RFC 7092 §3.1): what one party sends in its dialog is carried into the other's —
/// re-INVITE and UPDATE with their SDP mapped by each leg's media endpoint, INFO and other requests as they are, and
/// the ACK of a 2xx once the side that asked has ACKed (which also carries the answer of a late offer, §13.2.1).
/// One offer/answer at a time (491 on glare, §14.2). With both legs anchored, hold is Anchor's to serve
/// (RFC 3264 §8.4): the held party hears music on hold, the holder's stream is dropped, and the two-way relay comes
/// back on resume.
/// </summary>
public sealed class Bridge : ILegHandler
{
    private readonly Call _call;
    private Exchange? _pending;
    private (bool AHolds, bool BHolds) _hold;

    public Bridge(Call call, Leg a, Leg b)
    {
        _call = call;
        A = a;
        B = b;
        a.Handler = this;
        b.Handler = this;
    }

    public Leg A { get; }

    public Leg B { get; }

    public Leg Other(Leg leg) => leg == A ? B : A;

    /// <summary>An offer/answer exchange is under way (its answer, or for an INVITE its ACK, has not come yet).</summary>
    private bool Busy => _pending is { } p && (!p.IsInvite || p.AckForTarget is null);

    /// <summary>The initial INVITE was answered: its ACK, from <paramref name="asker"/>'s side, goes on to <paramref name="answerer"/>.</summary>
    public void ExpectInitialAck(Leg asker, Leg answerer, bool lateOffer) =>
        _pending = new Exchange(asker, answerer, null, answerer.Client?.CSeq ?? 0, IsInvite: true, lateOffer);

    public void OnRequest(Leg from, ServerTransaction tx)
    {
        SipMessage req = tx.Request;
        Leg to = Other(from);
        if (to.State == LegState.Ended)
        {
            tx.Respond(481, "Call/Transaction Does Not Exist");
            return;
        }

        switch (req.Method)
        {
            case SipMethod.Invite when Busy:
            case SipMethod.Update when Busy && req.Body.Length > 0:
                tx.Respond(491, "Request Pending"); // RFC 3261 §14.2, RFC 3311 §5.2: one offer/answer at a time
                return;
            case SipMethod.Refer:
                Applications.Transfer.BlindTransfer.OnRefer(_call, from, to, tx);
                return;
            case SipMethod.Subscribe:
                tx.Respond(489, "Bad Event");
                return;
        }

        byte[]? body = null;
        string? contentType = null;
        bool holds = from.HoldsPeer;
        if (req.Body.Length > 0)
        {
            contentType = req.GetHeaderString("Content-Type");
            if (!Leg.TryGetSdp(req, out SessionDescription? sdp, out _))
            {
                tx.Respond(488, "Not Acceptable Here (SDP does not parse)");
                return;
            }

            if (sdp is not null)
            {
                if (!from.Media.Learn(sdp) || (body = to.Media.Present(sdp)) is null)
                {
                    tx.Respond(503, "Service Unavailable (no media ports)");
                    return;
                }

                holds = sdp.Streams.FirstOrDefault(s => !s.Disabled)?.IsHold ?? false;
            }
            else
            {
                body = req.BodySpan.ToArray();
            }
        }

        string method = Encoding.ASCII.GetString(req.MethodBytes);
        var relay = new Relay(this, tx, from);
        if (req.Method is SipMethod.Invite or SipMethod.Update)
        {
            _pending = new Exchange(from, to, tx, 0, req.Method == SipMethod.Invite, LateOffer: body is null) { Holds = holds };
        }

        uint cseq = to.Send(method, body, contentType, user: relay);
        if (_pending?.Origin == tx)
        {
            _pending.TargetCSeq = cseq;
        }
    }

    public void OnAck(Leg from, SipMessage ack)
    {
        Exchange? p = _pending;
        if (p is null || !p.IsInvite || from != p.Asker || p.AckForTarget is not null)
        {
            return; // no 2xx waiting for this ACK, or a retransmission: absorbed
        }

        byte[]? body = null;
        if (Leg.TryGetSdp(ack, out SessionDescription? answer, out _) && answer is not null && from.Media.Learn(answer))
        {
            body = p.Target.Media.Present(answer); // the answer of a late offer
        }

        // The answering side's 2xx is confirmed now. The exchange stays recorded so that a retransmitted 2xx from it
        // is ACKed again.
        Dialog? d = p.Target.Dialog;
        if (d is null)
        {
            return;
        }

        if (p.Origin is null)
        {
            p.Target.Ack(body); // the initial INVITE's ACK, through the INVITE client (kept for 2xx retransmissions)
            p.AckForTarget = [];
        }
        else
        {
            p.AckForTarget = d.CreateAck(p.TargetCSeq, body, body is null ? null : "application/sdp");
            _ = _call.Host.Transactions.SendStatelessAsync(p.AckForTarget, d.Destination).AsTask();
        }

        UpdateMedia();
    }

    /// <summary>Connects the two legs' media, or serves a hold (music to the held party, the holder's stream dropped).</summary>
    public void UpdateMedia()
    {
        if (A.Media is not AnchoredMedia a || B.Media is not AnchoredMedia b)
        {
            return; // direct media: the phones deal with hold themselves
        }

        bool musicToA = B.HoldsPeer && a.Receives && _call.Host.Music is not null;
        bool musicToB = A.HoldsPeer && b.Receives && _call.Host.Music is not null;
        if (_hold != (A.HoldsPeer, B.HoldsPeer))
        {
            _hold = (A.HoldsPeer, B.HoldsPeer);
            _call.Note(_hold switch
            {
                (false, false) => "resumed: media relayed both ways",
                (true, false) => $"{A.Name} holds {B.Name}: {(musicToB ? "music on hold to " + B.Name : "no music (" + B.Name + " does not receive G.711)")}",
                (false, true) => $"{B.Name} holds {A.Name}: {(musicToA ? "music on hold to " + A.Name : "no music (" + A.Name + " does not receive G.711)")}",
                _ => "both hold",
            });
        }

        if (musicToA)
        {
            a.PlayMusic(_call.Host.Music!);
        }
        else if (B.HoldsPeer)
        {
            a.Idle();
        }

        if (musicToB)
        {
            b.PlayMusic(_call.Host.Music!);
        }
        else if (A.HoldsPeer)
        {
            b.Idle();
        }

        if (!A.HoldsPeer && !B.HoldsPeer)
        {
            a.ConnectTo(b);
            b.ConnectTo(a);
        }
        else
        {
            // A held party's packets go nowhere (its port plays music or idles); so do the holder's.
            if (A.HoldsPeer && !musicToA)
            {
                a.Idle();
            }

            if (B.HoldsPeer && !musicToB)
            {
                b.Idle();
            }
        }
    }

    private void OnRelayedResponse(Relay relay, SipMessage response)
    {
        int status = response.StatusCode;
        if (status < 200 || relay.Done)
        {
            if (status is >= 200 and < 300 && relay.Origin.IsInvite && _pending?.AckForTarget is { Length: > 0 } ack && _pending.Target.Dialog is { } d)
            {
                _ = _call.Host.Transactions.SendStatelessAsync(ack, d.Destination).AsTask(); // a retransmitted 2xx: ACK it again
            }

            return;
        }

        relay.Done = true;
        Leg origin = relay.From;
        Leg responder = Other(origin);
        byte[]? body = null;
        string? contentType = null;
        if (response.Body.Length > 0)
        {
            contentType = response.GetHeaderString("Content-Type");
            if (Leg.TryGetSdp(response, out SessionDescription? sdp, out _) && sdp is not null)
            {
                body = responder.Media.Learn(sdp) ? origin.Media.Present(sdp) : null;
                if (body is null)
                {
                    contentType = null;
                }
            }
            else
            {
                body = response.BodySpan.ToArray();
            }
        }

        bool exchange = _pending?.Origin == relay.Origin;
        origin.Respond(relay.Origin, status, Encoding.UTF8.GetString(response.Reason), body, contentType);
        if (!exchange)
        {
            return;
        }

        if (status >= 300)
        {
            _pending = null; // the offer was refused: the old session stands (§14.1)
            return;
        }

        origin.HoldsPeer = _pending!.Holds;
        if (!_pending.IsInvite)
        {
            _pending = null; // UPDATE: no ACK
            UpdateMedia();
        }
        else if (!_pending.LateOffer)
        {
            UpdateMedia(); // the answer is in this 2xx; its ACK only confirms it
        }
    }

    private void OnRelayedFailure(Relay relay, ClientTransactionError error)
    {
        if (relay.Done)
        {
            return;
        }

        relay.Done = true;
        if (_pending?.Origin == relay.Origin)
        {
            _pending = null;
        }

        bool timeout = error == ClientTransactionError.Timeout;
        relay.Origin.Respond(timeout ? 408 : 503, timeout ? "Request Timeout" : "Service Unavailable");
    }

    /// <summary>An offer/answer exchange in flight between the legs: the initial INVITE's (no <see cref="Origin"/>) or a re-INVITE/UPDATE's.</summary>
    private sealed record Exchange(Leg Asker, Leg Target, ServerTransaction? Origin, uint TargetCSeq, bool IsInvite, bool LateOffer)
    {
        public uint TargetCSeq { get; set; } = TargetCSeq;

        public byte[]? AckForTarget { get; set; }

        /// <summary>Whether the asker's offer holds the other side (applied once it is accepted).</summary>
        public bool Holds { get; init; }
    }

    /// <summary>A request relayed from one leg to the other; its final response goes back to <see cref="Origin"/>. Inside the gate.</summary>
    private sealed class Relay(Bridge bridge, ServerTransaction origin, Leg from) : IClientTransactionUser
    {
        public ServerTransaction Origin { get; } = origin;

        public Leg From { get; } = from;

        public bool Done { get; set; }

        public void OnResponse(ClientTransaction transaction, SipMessage response) =>
            bridge._call.Gate.Post(() => bridge.OnRelayedResponse(this, response));

        public void OnFailure(ClientTransaction transaction, ClientTransactionError error) =>
            bridge._call.Gate.Post(() => bridge.OnRelayedFailure(this, error));
    }
}
