using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Anchor.Sip.Transactions;

/// <summary>
/// Matches messages to transactions (RFC 3261 §17.1.3, §17.2.3, with the RFC 2543 fallback), creates server transactions
/// for new requests, and runs client transactions for the TU. All timers run on one <see cref="SipTimerQueue"/>.
/// </summary>
public sealed class TransactionLayer : ISipMessageSink, IDisposable
{
    private readonly ISipSender _sender;
    private readonly ITransactionUser _tu;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, ServerTransaction> _server = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClientTransaction> _client = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _mergeIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lingering> _lingering = new(StringComparer.Ordinal);
    private int _lingeringCount;

    private readonly bool _ownsQueue;

    /// <param name="timerQueue">The process's one timer queue, shared with everything else that keeps time; null: one of its own.</param>
    public TransactionLayer(ISipSender sender, ITransactionUser tu, TimeProvider? time = null, SipTimerSettings? timers = null,
        ILogger? log = null, string serverHeader = "Anchor", SipTimerQueue? timerQueue = null)
    {
        _sender = sender;
        _tu = tu;
        Time = time ?? TimeProvider.System;
        Timers = timers ?? SipTimerSettings.Default;
        _ownsQueue = timerQueue is null;
        TimerQueue = timerQueue ?? new SipTimerQueue(Time);
        _log = log ?? NullLogger.Instance;
        ServerHeader = serverHeader;
    }

    public TimeProvider Time { get; }

    public SipTimerSettings Timers { get; }

    public string ServerHeader { get; }

    /// <summary>Send 100 Trying as soon as an INVITE arrives (§17.2.1, §16.2 step for stateful proxies).</summary>
    public bool AutoTrying { get; init; } = true;

    /// <summary>
    /// Server transactions held at once. Past it, a new request is answered 503 with Retry-After, statelessly, and
    /// nothing is kept: no peer (nor a flood of spoofed sources) can grow the table without bound.
    /// </summary>
    public int MaxServerTransactions { get; init; } = 100_000;

    /// <summary>Requests refused because the server transaction table was full.</summary>
    public long OverloadCount => Interlocked.Read(ref _overload);

    private long _overload;

    public int ServerTransactionCount => Volatile.Read(ref _serverCount);

    /// <summary>
    /// Completed non-INVITE server transactions over UDP waiting out Timer J (§17.2.2) to answer retransmissions: kept as
    /// their key and last response only, apart from <see cref="MaxServerTransactions"/> (so a busy registrar's answered
    /// REGISTERs never make it refuse new ones), at most <see cref="MaxLingering"/> of them; past that an answered
    /// request is forgotten at once, and a retransmission of it is handled as new.
    /// </summary>
    public int LingeringCount => Volatile.Read(ref _lingeringCount);

    /// <summary>The most completed non-INVITE transactions kept for Timer J (about 600 bytes each).</summary>
    public int MaxLingering { get; init; } = 400_000;

    // ConcurrentDictionary.Count takes every lock of the table: too dear for once per request, so the layer counts.
    private int _serverCount;

    public int ClientTransactionCount => _client.Count;

    /// <summary>The stack's one timer queue: transaction users (dialogs, calls, applications) schedule on it too.</summary>
    public SipTimerQueue TimerQueue { get; }

    public void OnMessage(SipMessage message, ReceivedFrom from)
    {
        if (message.IsResponse)
        {
            if (_client.TryGetValue(ClientKey(message.TopVia.Branch, message.CSeqMethodSegment, message), out ClientTransaction? ct))
            {
                ct.OnResponse(message);
            }
            else
            {
                _tu.OnStrayResponse(message, from);
            }

            return;
        }

        string key = ServerKey(message);
        if (message.Method == SipMethod.Ack)
        {
            if (_server.TryGetValue(key, out ServerTransaction? inv) && inv.State != ServerTransactionState.Accepted)
            {
                inv.OnRetransmission(message);
            }
            else
            {
                _tu.OnAck(message, from, inv);
            }

            return;
        }

        if (_server.TryGetValue(key, out ServerTransaction? existing))
        {
            existing.OnRetransmission(message);
            return;
        }

        if (_lingering.TryGetValue(key, out Lingering? answered))
        {
            Transmit(answered.Response, answered.Destination, onError: null); // §17.2.2: Completed absorbs it with the last response
            return;
        }

        if (Volatile.Read(ref _serverCount) >= MaxServerTransactions)
        {
            // §21.5.4: overloaded. Answered without state; the request is not passed up.
            Interlocked.Increment(ref _overload);
            if (message.Method != SipMethod.Ack)
            {
                byte[] busy = SipResponseBuilder.Build(message, 503, "Service Unavailable", from, SipIds.NewTag(),
                    [new("Retry-After", "5")], ServerHeader);
                _ = _sender.SendAsync(busy, ResponseDestination(message, from)).AsTask();
            }

            return;
        }

        var tx = new ServerTransaction(this, key, message, from, ResponseDestination(message, from));
        if (!_server.TryAdd(key, tx))
        {
            // Two copies raced in on different threads (TCP and UDP at once): the other one won.
            _server[key].OnRetransmission(message);
            return;
        }

        Interlocked.Increment(ref _serverCount);
        if (message.Method == SipMethod.Cancel)
        {
            HandleCancel(tx, message);
            return;
        }

        if (!message.To.HasTag)
        {
            string mergeId = MergeId(message);
            if (!_mergeIds.TryAdd(mergeId, key) && _mergeIds.TryGetValue(mergeId, out string? owner) && owner != key)
            {
                tx.IsMergedRequest = true;
            }
        }

        if (AutoTrying && tx.IsInvite)
        {
            tx.Respond(100, "Trying");
        }

        _tu.OnRequest(tx);
    }

    /// <summary>§9.2: a CANCEL is answered by its own transaction; the INVITE it names is the TU's to end.</summary>
    private void HandleCancel(ServerTransaction cancelTx, SipMessage cancel)
    {
        string inviteKey = ServerKey(cancel, SipMethod.Invite);
        if (!_server.TryGetValue(inviteKey, out ServerTransaction? invite))
        {
            cancelTx.Respond(481, "Call/Transaction Does Not Exist");
            return;
        }

        cancelTx.Respond(200, "OK");
        if (invite.State == ServerTransactionState.Proceeding)
        {
            _tu.OnCancel(invite, cancel);
        }
    }

    /// <summary>Starts a client transaction for a request the TU built (its top Via carries the branch). The TU hears every response.</summary>
    public ClientTransaction SendRequest(byte[] request, SipEndPoint destination, IClientTransactionUser user)
    {
        SipParseResult r = SipParser.ParseDatagram(request);
        if (r.Status != SipParseStatus.Complete || !r.Message!.IsRequest || r.Message.Method == SipMethod.Ack)
        {
            throw new ArgumentException($"Not a request a client transaction can send: {r.ErrorReason}", nameof(request));
        }

        SipMessage m = r.Message;
        string key = ClientKey(m.TopVia.Branch, m.MethodSegment, m);
        var tx = new ClientTransaction(this, key, m, request, destination, user);
        if (!_client.TryAdd(key, tx))
        {
            throw new InvalidOperationException("A client transaction with this branch and method is already running");
        }

        tx.Start();
        return tx;
    }

    /// <summary>Sends a request and waits for its final response; null on timeout or transport error.</summary>
    public Task<SipMessage?> RequestAsync(byte[] request, SipEndPoint destination)
    {
        var waiter = new FinalResponseWaiter();
        SendRequest(request, destination, waiter);
        return waiter.Task;
    }

    /// <summary>Sends a message outside any transaction (ACK for 2xx, stateless forwarding).</summary>
    public ValueTask<bool> SendStatelessAsync(ReadOnlyMemory<byte> message, SipEndPoint destination) => _sender.SendAsync(message, destination);

    internal static byte[] BuildAckForNon2xx(SipMessage invite, SipMessage response) => SipRequestFactory.AckForNon2xx(invite, response);

    internal void Transmit(byte[] data, SipEndPoint destination, object? onError)
    {
        ValueTask<bool> send = _sender.SendAsync(data, destination);
        if (send.IsCompletedSuccessfully)
        {
            if (!send.Result)
            {
                ReportTransportError(onError, destination);
            }

            return;
        }

        _ = AwaitSend(send, onError, destination);
    }

    private async Task AwaitSend(ValueTask<bool> send, object? onError, SipEndPoint destination)
    {
        bool ok;
        try
        {
            ok = await send.ConfigureAwait(false);
        }
        catch (Exception)
        {
            ok = false;
        }

        if (!ok)
        {
            ReportTransportError(onError, destination);
        }
    }

    private void ReportTransportError(object? onError, SipEndPoint destination)
    {
        SipLog.TransportError(_log, destination);
        switch (onError)
        {
            case ClientTransaction c:
                c.OnTransportError();
                break;
            case ServerTransaction s:
                s.OnTransportError();
                break;
        }
    }

    internal void Remove(ServerTransaction tx, bool ackTimeout)
    {
        if (_server.TryRemove(new KeyValuePair<string, ServerTransaction>(tx.Key, tx)))
        {
            Interlocked.Decrement(ref _serverCount);
        }
        if (!tx.Request.To.HasTag && tx.Request.Method != SipMethod.Cancel)
        {
            _mergeIds.TryRemove(new KeyValuePair<string, string>(MergeId(tx.Request), tx.Key));
        }

        if (ackTimeout && _log.IsEnabled(LogLevel.Debug))
        {
            SipLog.NoAck(_log, tx.Request.CallIdString);
        }
    }

    /// <summary>A non-INVITE server transaction over UDP sent its final response: out of the live table, its response kept for Timer J.</summary>
    internal void Linger(ServerTransaction tx, byte[] response)
    {
        Remove(tx, ackTimeout: false);
        if (Interlocked.Increment(ref _lingeringCount) > MaxLingering)
        {
            Interlocked.Decrement(ref _lingeringCount);
            return;
        }

        var entry = new Lingering(this, tx.Key, response, tx.ResponseDestination);
        if (!_lingering.TryAdd(tx.Key, entry))
        {
            Interlocked.Decrement(ref _lingeringCount);
            return;
        }

        TimerQueue.Schedule(Timers.Timeout64, entry, 0, 0);
    }

    /// <summary>What Timer J keeps of a completed non-INVITE transaction: the response to send again, and where.</summary>
    private sealed class Lingering(TransactionLayer layer, string key, byte[] response, SipEndPoint destination) : ITimerTarget
    {
        public byte[] Response { get; } = response;

        public SipEndPoint Destination { get; } = destination;

        public void OnTimer(int timer, int generation)
        {
            if (layer._lingering.TryRemove(new KeyValuePair<string, Lingering>(key, this)))
            {
                Interlocked.Decrement(ref layer._lingeringCount);
            }
        }
    }

    internal void Remove(ClientTransaction tx) => _client.TryRemove(new KeyValuePair<string, ClientTransaction>(tx.Key, tx));

    /// <summary>§18.2.2 with RFC 3581: back over the connection on TCP; on UDP to the source address, at the source port when rport was used.</summary>
    public static SipEndPoint ResponseDestination(SipMessage request, ReceivedFrom from)
    {
        if (from.Transport != TransportKind.Udp)
        {
            return new SipEndPoint(from.Transport, from.Remote);
        }

        SipVia via = request.TopVia;
        int port = via.RPort >= 0 ? from.Remote.Port : via.Port != 0 ? via.Port : 5060;
        return new SipEndPoint(TransportKind.Udp, port == from.Remote.Port ? from.Remote : new IPEndPoint(from.Remote.Address, port));
    }

    /// <summary>§17.2.3: branch + sent-by + method (ACK matches INVITE); without the magic cookie, the RFC 2543 rules.</summary>
    internal static string ServerKey(SipMessage m, SipMethod? methodOverride = null)
    {
        SipVia via = m.TopVia;
        ReadOnlySpan<byte> method = methodOverride is { } mo ? Encoding.ASCII.GetBytes(SipMethods.Name(mo))
            : m.Method == SipMethod.Ack ? "INVITE"u8 : m.MethodBytes;
        var key = new KeyText(stackalloc char[256]);
        if (via.HasRfc3261Branch)
        {
            // branch|host:port|METHOD (host in lower case).
            key.Add(via.Branch);
            key.Add('|');
            key.AddLower(via.Host);
            key.Add(':');
            key.Add((uint)via.Port);
        }
        else
        {
            // RFC 2543 (§17.2.3, last paragraphs): Request-URI, From tag, Call-ID, CSeq number, top Via; To tag left out so the ACK matches.
            key.Add("2543"u8);
            key.Add('|');
            key.Add(m[m.RequestUriSegment]);
            key.Add('|');
            key.AddRequestIds(m);
            key.Add('|');
            key.Add(via.Span);
        }

        key.Add('|');
        key.Add(method);
        return key.ToString();
    }

    /// <summary>§17.1.3: the branch of the top Via and the CSeq method.</summary>
    private static string ClientKey(ReadOnlySpan<byte> branch, Text.Segment method, SipMessage m)
    {
        var key = new KeyText(stackalloc char[128]);
        key.Add(branch);
        key.Add('|');
        key.Add(m[method]);
        return key.ToString();
    }

    private static string MergeId(SipMessage m)
    {
        var key = new KeyText(stackalloc char[256]);
        key.AddRequestIds(m);
        key.Add('|');
        key.Add(m.MethodBytes);
        return key.ToString();
    }

    /// <summary>A key's text written on the stack and made a string once (on the heap first only when it is long).</summary>
    private ref struct KeyText(Span<char> buffer)
    {
        private Span<char> _buffer = buffer;
        private int _length;

        public void Add(ReadOnlySpan<byte> ascii)
        {
            Room(ascii.Length);
            for (int i = 0; i < ascii.Length; i++)
            {
                _buffer[_length++] = (char)ascii[i];
            }
        }

        public void AddLower(ReadOnlySpan<byte> ascii)
        {
            Room(ascii.Length);
            for (int i = 0; i < ascii.Length; i++)
            {
                _buffer[_length++] = char.ToLowerInvariant((char)ascii[i]);
            }
        }

        public void Add(char c)
        {
            Room(1);
            _buffer[_length++] = c;
        }

        public void Add(uint n)
        {
            Room(10);
            n.TryFormat(_buffer[_length..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
            _length += digits;
        }

        /// <summary>From tag | Call-ID | CSeq number: what names a request apart from its Via (§8.2.2.2, §17.2.3).</summary>
        public void AddRequestIds(SipMessage m)
        {
            Add(m.From.Tag);
            Add('|');
            Add(m.CallId);
            Add('|');
            Add(m.CSeq);
        }

        public override readonly string ToString() => new(_buffer[.._length]);

        private void Room(int more)
        {
            if (_length + more > _buffer.Length)
            {
                var bigger = new char[Math.Max(_buffer.Length * 2, _length + more)];
                _buffer[.._length].CopyTo(bigger);
                _buffer = bigger;
            }
        }
    }

    public void Dispose()
    {
        if (_ownsQueue)
        {
            TimerQueue.Dispose();
        }
    }

    private sealed class FinalResponseWaiter : IClientTransactionUser
    {
        private readonly TaskCompletionSource<SipMessage?> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<SipMessage?> Task => _tcs.Task;

        public void OnResponse(ClientTransaction transaction, SipMessage response)
        {
            if (response.StatusCode >= 200)
            {
                _tcs.TrySetResult(response);
            }
        }

        public void OnFailure(ClientTransaction transaction, ClientTransactionError error) => _tcs.TrySetResult(null);
    }
}
