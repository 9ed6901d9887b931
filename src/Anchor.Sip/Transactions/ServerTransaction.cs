using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Transactions;

/// <summary>
/// A server transaction (RFC 3261 §17.2, RFC 6026). Absorbs request retransmissions by resending the last response,
/// retransmits a final INVITE response until the ACK (Timer G, H), and lingers to absorb stragglers (Timers I, J, L).
/// </summary>
public sealed class ServerTransaction : ITimerTarget
{
    private const int TimerG = 0, TimerH = 1, TimerI = 2, TimerL = 4;

    private readonly TransactionLayer _layer;
    private readonly Lock _lock = new();
    private readonly int[] _generation = new int[5];
    private byte[]? _lastResponse;
    private string? _toTag;
    private TimeSpan _timerGInterval;

    internal ServerTransaction(TransactionLayer layer, string key, SipMessage request, ReceivedFrom from, SipEndPoint responseDestination)
    {
        _layer = layer;
        Key = key;
        Request = request;
        From = from;
        ResponseDestination = responseDestination;
        IsInvite = request.Method == SipMethod.Invite;
        State = IsInvite ? ServerTransactionState.Proceeding : ServerTransactionState.Trying;
    }

    public string Key { get; }

    public SipMessage Request { get; }

    public ReceivedFrom From { get; }

    /// <summary>Where responses go (§18.2.2 with RFC 3581): the source address and port when rport was used, over the same connection on TCP.</summary>
    public SipEndPoint ResponseDestination { get; }

    public bool IsInvite { get; }

    public ServerTransactionState State { get; private set; }

    /// <summary>The To tag this element uses when it answers as a UAS (§8.2.6.2); a proxy forwards the downstream tag instead.</summary>
    public string ToTag => Volatile.Read(ref _toTag) ?? NewToTag();

    /// <summary>Made on first use (a proxied request never needs one), once even when two threads ask together.</summary>
    private string NewToTag() => Interlocked.CompareExchange(ref _toTag, SipIds.NewTag(), null) ?? _toTag!;

    /// <summary>§8.2.2.2: same From tag, Call-ID and CSeq as a request already being handled, arriving by another path.</summary>
    public bool IsMergedRequest { get; internal set; }

    /// <summary>Status of the last response sent, 0 before any.</summary>
    public int LastStatus { get; private set; }

    /// <summary>Sends a response built by the caller. Provisional responses after a final one, and anything after termination, are ignored.</summary>
    public void Respond(int status, byte[] response)
    {
        lock (_lock)
        {
            switch (State)
            {
                case ServerTransactionState.Trying:
                case ServerTransactionState.Proceeding:
                    break;
                case ServerTransactionState.Accepted when status is >= 200 and < 300:
                    // RFC 6026 §8.5: further 2xx (a proxy forwarding forked answers) pass straight through.
                    Transmit(response);
                    return;
                default:
                    return;
            }

            _lastResponse = response;
            LastStatus = status;
            if (status < 200)
            {
                State = ServerTransactionState.Proceeding;
            }
            else if (!IsInvite)
            {
                State = ServerTransactionState.Completed;
                if (Unreliable)
                {
                    // Timer J's wait is kept by the layer as the response alone (§17.2.2): this object, and the request
                    // it holds, are free to go once the transaction user lets go of them.
                    Transmit(response);
                    _layer.Linger(this, response);
                    return;
                }

                State = ServerTransactionState.Terminated;
                _layer.Remove(this, ackTimeout: false); // Timer J is zero on a reliable transport
            }
            else if (status < 300)
            {
                State = ServerTransactionState.Accepted;
                Start(TimerL, _layer.Timers.Timeout64);
            }
            else
            {
                State = ServerTransactionState.Completed;
                if (Unreliable)
                {
                    _timerGInterval = _layer.Timers.T1;
                    Start(TimerG, _timerGInterval);
                }

                Start(TimerH, _layer.Timers.Timeout64);
            }

            // Last: a transport error reported from inside Transmit terminates the transaction, and nothing may overwrite that.
            Transmit(response);
        }
    }

    /// <summary>Builds and sends a response with the standard copied headers (§8.2.6) and this transaction's To tag.</summary>
    public void Respond(int status, string reason, IEnumerable<KeyValuePair<string, string>>? headers = null) =>
        Respond(status, SipResponseBuilder.Build(Request, status, reason, From, ToTag, headers, _layer.ServerHeader));

    /// <summary>
    /// A final response sent as a stateless UAS sends it (§8.2.7), for a digest challenge: nothing is kept to answer
    /// its retransmissions, each of which is challenged afresh (so a registrar's challenges cost no table space). An
    /// INVITE keeps its transaction: the ACK of its final response must be absorbed.
    /// </summary>
    public void RespondStateless(int status, string reason, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (IsInvite || status < 200)
        {
            Respond(status, reason, headers);
            return;
        }

        byte[] response = SipResponseBuilder.Build(Request, status, reason, From, ToTag, headers, _layer.ServerHeader);
        lock (_lock)
        {
            if (State is not (ServerTransactionState.Trying or ServerTransactionState.Proceeding))
            {
                return;
            }

            _lastResponse = response;
            LastStatus = status;
            State = ServerTransactionState.Terminated;
            Transmit(response);
        }

        _layer.Remove(this, ackTimeout: false);
    }

    /// <summary>A retransmission of the request (or the ACK) arrived.</summary>
    internal void OnRetransmission(SipMessage request)
    {
        bool terminate = false;
        lock (_lock)
        {
            if (request.Method == SipMethod.Ack)
            {
                if (State == ServerTransactionState.Completed)
                {
                    // §17.2.1: ACK for our 3xx–6xx. Stop retransmitting; absorb further ACKs for Timer I.
                    State = ServerTransactionState.Confirmed;
                    _generation[TimerG]++;
                    _generation[TimerH]++;
                    terminate = !Unreliable;
                    if (!terminate)
                    {
                        Start(TimerI, _layer.Timers.T4);
                    }
                }

                // In Confirmed, ACKs are absorbed. (Accepted-state ACKs never reach here: they go to the TU.)
            }
            else if (State is ServerTransactionState.Proceeding or ServerTransactionState.Completed && _lastResponse is not null)
            {
                Transmit(_lastResponse);
            }
        }

        if (terminate)
        {
            Terminate();
        }
    }

    void ITimerTarget.OnTimer(int timer, int generation)
    {
        bool terminate = false, timedOut = false;
        lock (_lock)
        {
            if (generation != _generation[timer] || State == ServerTransactionState.Terminated)
            {
                return;
            }

            switch (timer)
            {
                case TimerG when State == ServerTransactionState.Completed:
                    Transmit(_lastResponse!);
                    _timerGInterval = _timerGInterval * 2 < _layer.Timers.T2 ? _timerGInterval * 2 : _layer.Timers.T2;
                    Start(TimerG, _timerGInterval);
                    break;
                case TimerH when State == ServerTransactionState.Completed:
                    // §17.2.1: no ACK came. The TU is told (a proxy may log it); the transaction ends.
                    timedOut = true;
                    terminate = true;
                    break;
                case TimerI:
                case TimerL:
                    terminate = true;
                    break;
            }
        }

        if (terminate)
        {
            Terminate(timedOut);
        }
    }

    internal void Terminate(bool ackTimeout = false)
    {
        lock (_lock)
        {
            if (State == ServerTransactionState.Terminated)
            {
                return;
            }

            State = ServerTransactionState.Terminated;
        }

        _layer.Remove(this, ackTimeout);
    }

    private bool Unreliable => ResponseDestination.Transport == Message.TransportKind.Udp;

    private void Start(int timer, TimeSpan delay) => _layer.TimerQueue.Schedule(delay, this, timer, ++_generation[timer]);

    private void Transmit(byte[] data) => _layer.Transmit(data, ResponseDestination, onError: this);

    internal void OnTransportError()
    {
        // §17.2.4: try the fallback of RFC 3263 §5 — beyond one destination there is none here; the TU is informed by termination.
        Terminate();
    }
}
