using Anchor.Sip.Message;
using Anchor.Sip.Transport;

namespace Anchor.Sip.Transactions;

/// <summary>
/// A client transaction (RFC 3261 §17.1, RFC 6026): retransmits the request over UDP (Timers A/E), gives up after 64×T1
/// (Timers B/F), ACKs 3xx–6xx answers to an INVITE itself (§17.1.1.3) and absorbs their retransmissions (Timers D/K).
/// </summary>
public sealed class ClientTransaction : ITimerTarget
{
    private const int TimerAE = 0, TimerBF = 1, TimerDK = 2, TimerM = 3;

    private readonly TransactionLayer _layer;
    private readonly IClientTransactionUser _user;
    private readonly Lock _lock = new();
    private readonly int[] _generation = new int[4];
    private TimeSpan _retransmitInterval;
    private byte[]? _ack;

    internal ClientTransaction(TransactionLayer layer, string key, SipMessage request, byte[] bytes, SipEndPoint destination, IClientTransactionUser user)
    {
        _layer = layer;
        _user = user;
        Key = key;
        Request = request;
        RequestBytes = bytes;
        Destination = destination;
        IsInvite = request.Method == SipMethod.Invite;
        State = IsInvite ? ClientTransactionState.Calling : ClientTransactionState.Trying;
    }

    public string Key { get; }

    public SipMessage Request { get; }

    public byte[] RequestBytes { get; }

    public SipEndPoint Destination { get; }

    public bool IsInvite { get; }

    public ClientTransactionState State { get; private set; }

    /// <summary>Status of the last response received, 0 before any.</summary>
    public int LastStatus { get; private set; }

    private bool Unreliable => Destination.Transport == TransportKind.Udp;

    internal void Start()
    {
        lock (_lock)
        {
            if (Unreliable)
            {
                _retransmitInterval = _layer.Timers.T1;
                Schedule(TimerAE, _retransmitInterval);
            }

            Schedule(TimerBF, _layer.Timers.Timeout64);
        }

        _layer.Transmit(RequestBytes, Destination, onError: this);
    }

    internal void OnResponse(SipMessage response)
    {
        int status = response.StatusCode;
        bool deliver = false, terminate = false;
        lock (_lock)
        {
            switch (State)
            {
                case ClientTransactionState.Calling:
                case ClientTransactionState.Trying:
                case ClientTransactionState.Proceeding:
                    deliver = true;
                    LastStatus = status;
                    if (status < 200)
                    {
                        State = ClientTransactionState.Proceeding;
                        if (IsInvite)
                        {
                            // §17.1.1.2: a provisional response stops INVITE retransmissions (and Timer B: Timer C is the TU's).
                            _generation[TimerAE]++;
                            _generation[TimerBF]++;
                        }
                        else if (Unreliable)
                        {
                            // §17.1.2.2: in Proceeding, retransmit at T2.
                            _retransmitInterval = _layer.Timers.T2;
                        }

                        break;
                    }

                    _generation[TimerAE]++;
                    _generation[TimerBF]++;
                    if (IsInvite && status < 300)
                    {
                        State = ClientTransactionState.Accepted;
                        Schedule(TimerM, _layer.Timers.Timeout64);
                    }
                    else if (IsInvite)
                    {
                        State = ClientTransactionState.Completed;
                        _ack = TransactionLayer.BuildAckForNon2xx(Request, response);
                        _layer.Transmit(_ack, Destination, onError: null);
                        terminate = !ScheduleOrZero(TimerDK, _layer.Timers.TimerD);
                    }
                    else
                    {
                        State = ClientTransactionState.Completed;
                        terminate = !ScheduleOrZero(TimerDK, _layer.Timers.T4);
                    }

                    break;
                case ClientTransactionState.Completed:
                    // Retransmitted final response: answer again with the same ACK, never pass it up.
                    if (_ack is not null)
                    {
                        _layer.Transmit(_ack, Destination, onError: null);
                    }

                    break;
                case ClientTransactionState.Accepted:
                    // RFC 6026 §8.4: 2xx retransmissions and 2xx from other forks go to the TU, which ACKs them.
                    deliver = status is >= 200 and < 300;
                    break;
            }
        }

        if (deliver)
        {
            _user.OnResponse(this, response);
        }

        if (terminate)
        {
            Terminate();
        }
    }

    void ITimerTarget.OnTimer(int timer, int generation)
    {
        bool timeout = false, terminate = false;
        lock (_lock)
        {
            if (generation != _generation[timer] || State == ClientTransactionState.Terminated)
            {
                return;
            }

            switch (timer)
            {
                case TimerAE when State is ClientTransactionState.Calling or ClientTransactionState.Trying or ClientTransactionState.Proceeding:
                    _layer.Transmit(RequestBytes, Destination, onError: this);
                    _retransmitInterval = IsInvite ? _retransmitInterval * 2
                        : _retransmitInterval * 2 < _layer.Timers.T2 ? _retransmitInterval * 2 : _layer.Timers.T2;
                    Schedule(TimerAE, _retransmitInterval);
                    break;
                case TimerBF:
                    timeout = State is ClientTransactionState.Calling or ClientTransactionState.Trying or ClientTransactionState.Proceeding;
                    terminate = true;
                    break;
                case TimerDK:
                case TimerM:
                    terminate = true;
                    break;
            }
        }

        if (timeout)
        {
            _user.OnFailure(this, ClientTransactionError.Timeout);
        }

        if (terminate)
        {
            Terminate();
        }
    }

    internal void OnTransportError()
    {
        bool notify;
        lock (_lock)
        {
            notify = State is ClientTransactionState.Calling or ClientTransactionState.Trying or ClientTransactionState.Proceeding;
        }

        if (notify)
        {
            _user.OnFailure(this, ClientTransactionError.TransportError);
        }

        Terminate();
    }

    internal void Terminate()
    {
        lock (_lock)
        {
            if (State == ClientTransactionState.Terminated)
            {
                return;
            }

            State = ClientTransactionState.Terminated;
            for (int i = 0; i < _generation.Length; i++)
            {
                _generation[i]++;
            }
        }

        _layer.Remove(this);
    }

    private void Schedule(int timer, TimeSpan delay) => _layer.TimerQueue.Schedule(delay, this, timer, ++_generation[timer]);

    /// <summary>Timers D and K are zero on reliable transports (§17.1.1.2, §17.1.2.2). False means "terminate now".</summary>
    private bool ScheduleOrZero(int timer, TimeSpan unreliableDelay)
    {
        if (!Unreliable)
        {
            return false;
        }

        Schedule(timer, unreliableDelay);
        return true;
    }
}
