using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Microsoft.Extensions.Logging;

namespace Anchor.Sip.Transport;

/// <summary>
/// One TCP connection (RFC 3261 §18.3): messages framed by Content-Length, CRLFCRLF pings answered with a CRLF pong
/// (RFC 5626 §3.5.1). Sends go through a bounded queue drained by one writer: a peer that stops reading fills its queue
/// and is disconnected, so it can hold neither memory nor the caller's thread.
/// </summary>
internal sealed class TcpConnection
{
    private static readonly byte[] Pong = "\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly SipTransportLayer _layer;
    private readonly SipTransportOptions _options;
    private readonly ILogger _log;
    private readonly Channel<byte[]> _sendQueue;
    private readonly CancellationTokenSource _closed = new();
    private long _lastActivity;
    private long _partialSince;

    public TcpConnection(Socket socket, SipTransportLayer layer, SipTransportOptions options, ILogger log)
    {
        _socket = socket;
        _layer = layer;
        _options = options;
        _log = log;
        socket.NoDelay = true;
        Remote = (IPEndPoint)socket.RemoteEndPoint!;
        Local = (IPEndPoint)socket.LocalEndPoint!;
        _sendQueue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.TcpSendQueueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _lastActivity = layer.Time.GetTimestamp();
    }

    public IPEndPoint Remote { get; }

    public IPEndPoint Local { get; }

    public bool IsClosed => _closed.IsCancellationRequested;

    public void Start()
    {
        _ = Task.Run(ReceiveLoopAsync);
        _ = Task.Run(SendLoopAsync);
    }

    public bool Send(byte[] data)
    {
        if (IsClosed)
        {
            return false;
        }

        if (!_sendQueue.Writer.TryWrite(data))
        {
            _log.LogWarning("TCP peer {Remote} is not reading: {Limit} messages queued; closing", Remote, _options.TcpSendQueueLimit);
            Close();
            return false;
        }

        return true;
    }

    /// <summary>Heartbeat check: idle too long, or a message begun and not finished in time (slowloris).</summary>
    public void CheckTimers(long now)
    {
        TimeProvider time = _layer.Time;
        if (time.GetElapsedTime(Interlocked.Read(ref _lastActivity), now) > _options.TcpIdleTimeout)
        {
            _log.LogDebug("TCP connection {Remote} idle; closing", Remote);
            Close();
            return;
        }

        long partial = Interlocked.Read(ref _partialSince);
        if (partial != 0 && time.GetElapsedTime(partial, now) > _options.TcpMessageTimeout)
        {
            _log.LogInformation("TCP peer {Remote} left a message unfinished for {Timeout}; closing", Remote, _options.TcpMessageTimeout);
            Close();
        }
    }

    public void Close()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _sendQueue.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
        }

        _socket.Dispose();
        _layer.OnConnectionClosed(this);
    }

    private async Task ReceiveLoopAsync()
    {
        int max = _options.Limits.MaxStreamMessageSize + 4096;
        byte[] buf = ArrayPool<byte>.Shared.Rent(8192);
        int count = 0;
        bool graceful = true;
        try
        {
            while (!IsClosed)
            {
                if (count == buf.Length)
                {
                    if (buf.Length >= max)
                    {
                        _log.LogInformation("TCP peer {Remote} sent an over-long message; closing", Remote);
                        return;
                    }

                    byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(max, buf.Length * 2));
                    buf.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buf);
                    buf = bigger;
                }

                int n = await _socket.ReceiveAsync(buf.AsMemory(count), SocketFlags.None, _closed.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                count += n;
                long now = _layer.Time.GetTimestamp();
                Interlocked.Exchange(ref _lastActivity, now);
                int consumed = ProcessFrames(buf.AsSpan(0, count), now, out bool fatal);
                if (fatal)
                {
                    return;
                }

                if (consumed > 0)
                {
                    buf.AsSpan(consumed, count - consumed).CopyTo(buf);
                    count -= consumed;
                }

                // The slowloris clock runs from the first byte of the message still incomplete.
                long since = Interlocked.Read(ref _partialSince);
                Interlocked.Exchange(ref _partialSince, count == 0 ? 0 : since == 0 || consumed > 0 ? now : since);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            graceful = false;
        }
        catch (Exception e)
        {
            graceful = false;
            _log.LogError(e, "TCP receive from {Remote} failed", Remote);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
            if (graceful)
            {
                // EOF or a framing error: what is queued (a 400, a response) still goes out; the writer closes after it.
                _sendQueue.Writer.TryComplete();
            }
            else
            {
                Close();
            }
        }
    }

    private int ProcessFrames(ReadOnlySpan<byte> data, long now, out bool fatal)
    {
        fatal = false;
        int consumed = 0;
        while (consumed < data.Length)
        {
            SipParseStatus status = SipParser.TryFrame(data[consumed..], _options.Limits, out int skip, out int length, out string? error);
            switch (status)
            {
                case SipParseStatus.KeepAlive:
                    consumed += skip;
                    Send(Pong);
                    continue;
                case SipParseStatus.Incomplete:
                    return consumed + skip;
                case SipParseStatus.Invalid:
                    // A framing error leaves no way to find the next message: §18.3 says close the connection.
                    _log.LogInformation("TCP framing error from {Remote}: {Error}; closing", Remote, error);
                    _layer.RespondToUnframable(data[(consumed + skip)..], new ReceivedFrom(Remote, TransportKind.Tcp, Local), error!);
                    fatal = true;
                    return consumed;
                default:
                    byte[] message = data.Slice(consumed + skip, length).ToArray();
                    consumed += skip + length;
                    _layer.OnStreamMessage(message, new ReceivedFrom(Remote, TransportKind.Tcp, Local));
                    break;
            }
        }

        return consumed;
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (byte[] data in _sendQueue.Reader.ReadAllAsync(_closed.Token).ConfigureAwait(false))
            {
                int sent = 0;
                while (sent < data.Length)
                {
                    sent += await _socket.SendAsync(data.AsMemory(sent), SocketFlags.None, _closed.Token).ConfigureAwait(false);
                }

                Interlocked.Exchange(ref _lastActivity, _layer.Time.GetTimestamp());
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            Close();
        }
    }
}
