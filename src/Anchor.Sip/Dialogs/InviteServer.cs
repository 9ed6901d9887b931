using Anchor.Sip.Message;
using Anchor.Sip.Transactions;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Dialogs;

/// <summary>
/// The UAS core's side of one INVITE (initial or re-INVITE): its responses, and the 2xx retransmitted until the ACK
/// comes (RFC 3261 §13.3.1.4: T1 doubling to T2 over UDP; once over reliable transports). With no ACK after 64·T1 the
/// owner is told, and should end the session with BYE (§13.3.1.4 last paragraph).
/// </summary>
public sealed class InviteServer : ITimerTarget
{
    private readonly SipTimerQueue _queue;
    private readonly SipTimerSettings _timers;
    private readonly Action<InviteServer> _onAckTimeout;
    private readonly Lock _gate = new();
    private byte[]? _answer;
    private int _generation;
    private TimeSpan _interval;
    private const int Retransmit = 0, Deadline = 1;

    public InviteServer(ServerTransaction transaction, TransactionLayer layer, Action<InviteServer> onAckTimeout)
    {
        Transaction = transaction;
        _queue = layer.TimerQueue;
        _timers = layer.Timers;
        _onAckTimeout = onAckTimeout;
    }

    public ServerTransaction Transaction { get; }

    public SipMessage Request => Transaction.Request;

    /// <summary>A 2xx went out and its ACK has not come yet.</summary>
    public bool AwaitingAck
    {
        get
        {
            lock (_gate)
            {
                return _answer is not null;
            }
        }
    }

    /// <summary>Whether a final response has been sent.</summary>
    public bool Finished => Transaction.LastStatus >= 200;

    /// <summary>Sends a response; a 2xx is retransmitted until <see cref="OnAck"/>. Anything after a final response is ignored.</summary>
    public void Respond(int status, byte[] response)
    {
        if (Finished)
        {
            return;
        }

        Transaction.Respond(status, response);
        if (status is < 200 or >= 300)
        {
            return;
        }

        lock (_gate)
        {
            _answer = response;
            _interval = _timers.T1;
            ++_generation;
            if (Transaction.ResponseDestination.Transport == TransportKind.Udp)
            {
                _queue.Schedule(_interval, this, Retransmit, _generation); // reliable transports carry it once
            }

            _queue.Schedule(_timers.Timeout64, this, Deadline, _generation);
        }
    }

    /// <summary>An ACK for this INVITE's 2xx (same CSeq number) arrived: stop retransmitting. False when none was awaited.</summary>
    public bool OnAck(SipMessage ack)
    {
        lock (_gate)
        {
            if (_answer is null || ack.CSeq != Request.CSeq)
            {
                return false;
            }

            _answer = null;
            _generation++;
            return true;
        }
    }

    /// <summary>Stops the retransmissions without an ACK (the session is ending anyway).</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _answer = null;
            _generation++;
        }
    }

    void ITimerTarget.OnTimer(int timer, int generation)
    {
        bool timedOut = false;
        lock (_gate)
        {
            if (generation != _generation || _answer is null)
            {
                return;
            }

            if (timer == Deadline)
            {
                _answer = null;
                timedOut = true;
            }
            else
            {
                Transaction.Respond(200, _answer); // passes through in RFC 6026 Accepted state
                _interval = _interval * 2 < _timers.T2 ? _interval * 2 : _timers.T2;
                _queue.Schedule(_interval, this, Retransmit, _generation);
            }
        }

        if (timedOut)
        {
            _onAckTimeout(this);
        }
    }
}
