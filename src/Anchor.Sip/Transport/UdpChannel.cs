using System.Net;
using System.Net.Sockets;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Sip.Transport;

/// <summary>
/// One UDP socket, received on a dedicated thread: no Task or thread-pool hop per datagram (PERF-NOTES: the awaited
/// loop costs 3–20× more CPU per packet). On 64-bit Linux in batches of recvmmsg(2) (<c>UdpChannel.Linux.cs</c>),
/// elsewhere with synchronous, allocation-free <c>ReceiveFrom(Span, SocketAddress)</c>. The only per-datagram
/// allocation is the message's own copy of its bytes.
/// </summary>
internal sealed partial class UdpChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly SipTransportLayer _layer;
    private readonly ILogger _log;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public UdpChannel(IPEndPoint bind, SipTransportLayer layer, SipTransportOptions options, ILogger log)
    {
        _layer = layer;
        _log = log;
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (bind.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }

        _socket.ReceiveBufferSize = options.SocketBufferBytes;
        _socket.SendBufferSize = options.SocketBufferBytes;
        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        FastPath = options.UdpFastPath && Native.IsSupported;
        _thread = new Thread(FastPath ? ReceiveBatches : ReceiveLoop) { IsBackground = true, Name = $"sip-udp {LocalEndPoint}" };
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Whether datagrams are received in recvmmsg batches.</summary>
    public bool FastPath { get; }

    public void Start() => _thread.Start();

    public bool Send(ReadOnlySpan<byte> data, IPEndPoint to)
    {
        try
        {
            return _socket.SendTo(data, SocketFlags.None, to) == data.Length;
        }
        catch (SocketException e)
        {
            SipLog.UdpSendFailed(_log, to, e.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[65536];
        var address = new SocketAddress(LocalEndPoint.AddressFamily);
        var lastAddress = new SocketAddress(LocalEndPoint.AddressFamily);
        IPEndPoint? lastRemote = null;
        while (!_stopping)
        {
            int n;
            try
            {
                n = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (SocketException e) when (!_stopping && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogError(e, "UDP receive on {Local} failed", LocalEndPoint);
                Thread.Sleep(10);
                continue;
            }

            if (n == 0)
            {
                continue;
            }

            // Reuse the IPEndPoint while datagrams keep coming from the same peer.
            if (lastRemote is null || !address.Equals(lastAddress))
            {
                lastRemote = (IPEndPoint)LocalEndPoint.Create(address);
                address.Buffer.Span.CopyTo(lastAddress.Buffer.Span);
                lastAddress.Size = address.Size;
            }

            try
            {
                _layer.OnDatagram(buffer.AsSpan(0, n), new ReceivedFrom(lastRemote, TransportKind.Udp, LocalEndPoint), this);
            }
            catch (Exception e)
            {
                // Nothing a peer sends may stop the loop; a bug in a handler is logged and the next datagram read.
                _log.LogError(e, "Handling a datagram from {Remote} failed", lastRemote);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _socket.Dispose();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(2));
        }
    }
}
