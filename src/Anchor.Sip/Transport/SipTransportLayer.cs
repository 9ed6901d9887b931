using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Anchor.Sip.Transport;

/// <summary>
/// All of Anchor's listening sockets and TCP connections (RFC 3261 §18). Parses what arrives, answers malformed requests
/// with 400 (or drops what cannot be answered), hands valid messages to the sink, and sends: UDP from the socket bound to
/// the destination's address family, TCP over an existing connection to the peer when there is one (§18.2.2 reuse),
/// else a new one.
/// </summary>
public sealed class SipTransportLayer : ISipSender, IAsyncDisposable
{
    private readonly SipTransportOptions _options;
    private readonly ILogger _log;
    private readonly List<UdpChannel> _udp = [];
    private readonly List<Socket> _tcpListeners = [];
    private readonly ConcurrentDictionary<IPEndPoint, TcpConnection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SipEndPoint> _bound = [];
    private ISipMessageSink? _sink;
    private Transactions.SipTimer? _heartbeat;
    private long _malformed;
    private long _filtered;

    public SipTransportLayer(SipTransportOptions? options = null, TimeProvider? time = null, ILogger? log = null)
    {
        _options = options ?? new SipTransportOptions();
        Time = time ?? TimeProvider.System;
        _log = log ?? NullLogger.Instance;
    }

    public TimeProvider Time { get; }

    /// <summary>What is actually bound (a port of 0 in the configuration becomes the port the OS chose).</summary>
    public IReadOnlyList<SipEndPoint> LocalEndPoints => _bound;

    public int TcpConnectionCount => _connections.Count;

    /// <summary>Messages that failed to parse since start.</summary>
    public long MalformedCount => Interlocked.Read(ref _malformed);

    /// <summary>Messages and connections refused by <see cref="Filter"/> (banned or over their rate).</summary>
    public long FilteredCount => Interlocked.Read(ref _filtered);

    /// <summary>Bans and rate limits, consulted before anything is parsed; null admits everything.</summary>
    public ISourceFilter? Filter { get; set; }

    /// <summary>The process's one timer queue, for the connection heartbeat; null: one of its own on <see cref="Time"/>.</summary>
    public Transactions.SipTimerQueue? TimerQueue { get; set; }

    private Transactions.SipTimerQueue? _ownQueue;

    /// <summary>Binds every address, then starts receiving. Throws on a bind failure, naming the address.</summary>
    public void Start(IEnumerable<SipEndPoint> listen, ISipMessageSink sink)
    {
        _sink = sink;
        foreach (SipEndPoint ep in listen)
        {
            try
            {
                if (ep.Transport == TransportKind.Udp)
                {
                    var ch = new UdpChannel(ep.EndPoint, this, _options, _log);
                    _udp.Add(ch);
                    _bound.Add(new SipEndPoint(TransportKind.Udp, ch.LocalEndPoint));
                }
                else
                {
                    var s = new Socket(ep.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    if (ep.EndPoint.AddressFamily == AddressFamily.InterNetworkV6)
                    {
                        s.DualMode = false;
                    }

                    s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    s.Bind(ep.EndPoint);
                    s.Listen(512);
                    _tcpListeners.Add(s);
                    _bound.Add(new SipEndPoint(TransportKind.Tcp, (IPEndPoint)s.LocalEndPoint!));
                }
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"Cannot listen on {ep}: {e.Message}", e);
            }
        }

        foreach (UdpChannel ch in _udp)
        {
            ch.Start();
        }

        foreach (Socket l in _tcpListeners)
        {
            _ = Task.Run(() => AcceptLoopAsync(l));
        }

        _ownQueue = TimerQueue is null ? new Transactions.SipTimerQueue(Time) : null;
        _heartbeat = Transactions.SipTimer.Every(TimerQueue ?? _ownQueue!, TimeSpan.FromSeconds(1), Heartbeat);
        foreach (SipEndPoint b in _bound)
        {
            _log.LogInformation("Listening on {EndPoint}", b);
        }
    }

    /// <summary>The bound address of a transport and family, for Via and Contact.</summary>
    public SipEndPoint? LocalFor(TransportKind transport, AddressFamily family) =>
        _bound.FirstOrDefault(b => b.Transport == transport && b.EndPoint.AddressFamily == family);

    /// <summary>Keeps the messages of recent calls for the admin's ladder; null: none kept.</summary>
    public SipTrace? Trace { get; set; }

    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, SipEndPoint destination)
    {
        Trace?.OnSent(message.Span, destination);
        SipMetrics.OnSent(message.Span);
        if (_log.IsEnabled(LogLevel.Trace))
        {
            _log.LogTrace("Sending to {Destination}\n{Message}", destination, System.Text.Encoding.UTF8.GetString(message.Span));
        }

        if (destination.Transport == TransportKind.Udp)
        {
            UdpChannel? ch = _udp.FirstOrDefault(c => c.LocalEndPoint.AddressFamily == destination.EndPoint.AddressFamily);
            return ValueTask.FromResult(ch is not null && ch.Send(message.Span, destination.EndPoint));
        }

        if (destination.Transport == TransportKind.Tcp)
        {
            if (_connections.TryGetValue(destination.EndPoint, out TcpConnection? c) && !c.IsClosed)
            {
                return ValueTask.FromResult(c.Send(message.ToArray()));
            }

            return ConnectAndSendAsync(message.ToArray(), destination.EndPoint);
        }

        return ValueTask.FromResult(false);
    }

    private async ValueTask<bool> ConnectAndSendAsync(byte[] data, IPEndPoint remote)
    {
        if (_connections.Count >= _options.MaxTcpConnections)
        {
            return false;
        }

        var s = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            cts.CancelAfter(_options.TcpConnectTimeout);
            await s.ConnectAsync(remote, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            _log.LogDebug("TCP connect to {Remote} failed: {Error}", remote, e.Message);
            s.Dispose();
            return false;
        }

        TcpConnection c = Register(s);
        return c.Send(data);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogWarning("TCP accept failed: {Error}", e.SocketErrorCode);
                continue;
            }

            if (Filter is { } f && s.RemoteEndPoint is IPEndPoint remote && !f.Admit(remote))
            {
                Interlocked.Increment(ref _filtered);
                s.Dispose();
                continue;
            }

            if (_connections.Count >= _options.MaxTcpConnections)
            {
                _log.LogWarning("TCP connection limit {Limit} reached; refusing {Remote}", _options.MaxTcpConnections, s.RemoteEndPoint);
                s.Dispose();
                continue;
            }

            Register(s);
        }
    }

    private TcpConnection Register(Socket s)
    {
        var c = new TcpConnection(s, this, _options, _log);
        _connections[c.Remote] = c;
        c.Start();
        return c;
    }

    internal void OnConnectionClosed(TcpConnection c) => _connections.TryRemove(new KeyValuePair<IPEndPoint, TcpConnection>(c.Remote, c));

    internal void OnDatagram(ReadOnlySpan<byte> data, ReceivedFrom from, UdpChannel channel)
    {
        // A datagram of only CRLFs is a keep-alive: nothing to allocate.
        if (data.Length <= 4 && data.TrimStart("\r\n"u8).IsEmpty)
        {
            return;
        }

        if (Filter is { } f && !f.Admit(from.Remote))
        {
            Interlocked.Increment(ref _filtered);
            return; // a banned or flooding source gets nothing, not even an error
        }

        SipParseResult r = SipParser.ParseDatagram(data.ToArray(), _options.Limits);
        Dispatch(r, from);
    }

    internal void OnStreamMessage(byte[] message, ReceivedFrom from)
    {
        if (Filter is { } f && !f.Admit(from.Remote))
        {
            Interlocked.Increment(ref _filtered);
            return;
        }

        Dispatch(SipParser.ParseStream(message, _options.Limits), from);
    }

    /// <summary>A stream whose framing failed: answer 400 when the bytes hold an addressable request, then the connection closes.</summary>
    internal void RespondToUnframable(ReadOnlySpan<byte> data, ReceivedFrom from, string error)
    {
        Interlocked.Increment(ref _malformed);
        SipParseResult r = SipParser.ParseDatagram(data.ToArray(), _options.Limits);
        if (r.Message is { IsRequest: true } m && m.TopVia.Whole.Length > 0 && m.Method != SipMethod.Ack)
        {
            byte[] resp = SipResponseBuilder.Build(m, 400, error, from, server: _options.ServerHeader);
            if (_connections.TryGetValue(from.Remote, out TcpConnection? c))
            {
                c.Send(resp);
            }
        }
    }

    private void Dispatch(in SipParseResult r, ReceivedFrom from)
    {
        switch (r.Status)
        {
            case SipParseStatus.Complete:
                if (_log.IsEnabled(LogLevel.Trace))
                {
                    _log.LogTrace("Received from {Transport}:{Remote}\n{Message}", from.Transport, from.Remote, r.Message!.ToString());
                }

                Trace?.OnReceived(r.Message!, from);
                SipMetrics.OnReceived(r.Message!);
                _sink!.OnMessage(r.Message!, from);
                return;
            case SipParseStatus.Invalid:
                Interlocked.Increment(ref _malformed);
                if (r.CanRespond && r.Message!.Method != SipMethod.Ack)
                {
                    // §21.4.1 / RFC 4475: a 400 with the reason; sent back to the source (never to an unparsed Via).
                    SipLog.MalformedRequest(_log, from.Remote, r.ErrorReason);
                    byte[] resp = SipResponseBuilder.Build(r.Message, r.ErrorStatus, ReasonFor(r), from, SipIds.NewTag(), server: _options.ServerHeader);
                    _ = SendAsync(resp, new SipEndPoint(from.Transport, from.Remote)).AsTask();
                }
                else
                {
                    SipLog.DroppedMalformed(_log, from.Remote, r.ErrorReason);
                }

                return;
            default:
                return;
        }
    }

    private static string ReasonFor(in SipParseResult r) => r.ErrorStatus switch
    {
        400 => $"Bad Request ({r.ErrorReason})",
        _ => r.ErrorReason ?? "Bad Request",
    };

    private void Heartbeat()
    {
        long now = Time.GetTimestamp();
        foreach (TcpConnection c in _connections.Values)
        {
            c.CheckTimers(now);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _heartbeat?.Cancel();
        _ownQueue?.Dispose();
        foreach (UdpChannel ch in _udp)
        {
            ch.Dispose();
        }

        foreach (Socket l in _tcpListeners)
        {
            l.Dispose();
        }

        foreach (TcpConnection c in _connections.Values)
        {
            c.Close();
        }

        return ValueTask.CompletedTask;
    }
}
