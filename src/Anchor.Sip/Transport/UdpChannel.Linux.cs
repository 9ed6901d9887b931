using System.Net;
using System.Runtime.InteropServices;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Sip.Transport;

/// <summary>
/// The Linux receive path: recvmmsg(2) takes up to <see cref="Batch"/> datagrams per system call into native buffers
/// allocated once; poll(2) waits when none is queued (with a timeout, so that the loop sees the channel stop). The
/// socket's handle is held for the loop's lifetime, so its descriptor cannot be closed and reused under it.
/// </summary>
internal sealed unsafe partial class UdpChannel
{
    private const int Batch = 32;

    /// <summary>The largest UDP payload; a datagram the kernel truncated to it is dropped.</summary>
    private const int Slot = 65536;

    private const int ECONNREFUSED = 111;

    private void ReceiveBatches()
    {
        bool held = false;
        byte* buffers = null;
        byte* names = null;
        Native.IoVec* iov = null;
        Native.MMsgHdr* msgs = null;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref held);
            int fd = (int)_socket.SafeHandle.DangerousGetHandle();
            buffers = (byte*)NativeMemory.Alloc((nuint)(Batch * Slot));
            names = (byte*)NativeMemory.AllocZeroed((nuint)((Batch + 1) * Native.SockAddrSize));
            iov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.IoVec)));
            msgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.MMsgHdr)));
            byte* lastName = names + (Batch * Native.SockAddrSize);
            for (int i = 0; i < Batch; i++)
            {
                iov[i].Base = buffers + ((long)i * Slot);
                iov[i].Length = Slot;
                msgs[i].Header.Iov = &iov[i];
                msgs[i].Header.IovLength = 1;
                msgs[i].Header.Name = names + (i * Native.SockAddrSize);
            }

            IPEndPoint? lastRemote = null;
            while (!_stopping)
            {
                for (int i = 0; i < Batch; i++)
                {
                    msgs[i].Header.NameLength = Native.SockAddrSize;
                    msgs[i].Header.Flags = 0;
                }

                int n = Native.RecvMMsg(fd, msgs, Batch, Native.MSG_DONTWAIT, null);
                if (n <= 0)
                {
                    int error = n < 0 ? Marshal.GetLastPInvokeError() : Native.EAGAIN;
                    if (error is Native.EAGAIN or Native.EINTR or ECONNREFUSED)
                    {
                        var p = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
                        Native.Poll(&p, 1, 200);
                        continue;
                    }

                    if (!_stopping)
                    {
                        _log.LogError("UDP receive on {Local} failed: errno {Error}", LocalEndPoint, error);
                        Thread.Sleep(10);
                    }

                    continue;
                }

                for (int i = 0; i < n; i++)
                {
                    int length = (int)msgs[i].Length;
                    byte* name = names + (i * Native.SockAddrSize);
                    if (length == 0 || (msgs[i].Header.Flags & Native.MSG_TRUNC) != 0)
                    {
                        continue;
                    }

                    // Reuse the IPEndPoint while datagrams keep coming from the same peer.
                    if (lastRemote is null || !Native.SameAddressAndPort(name, lastName))
                    {
                        lastRemote = Native.ReadSockAddr(name, (int)msgs[i].Header.NameLength);
                        if (lastRemote is null)
                        {
                            continue;
                        }

                        Buffer.MemoryCopy(name, lastName, Native.SockAddrSize, Native.SockAddrSize);
                    }

                    try
                    {
                        _layer.OnDatagram(new ReadOnlySpan<byte>(buffers + ((long)i * Slot), length), new ReceivedFrom(lastRemote, TransportKind.Udp, LocalEndPoint), this);
                    }
                    catch (Exception e)
                    {
                        // Nothing a peer sends may stop the loop; a bug in a handler is logged and the next datagram read.
                        _log.LogError(e, "Handling a datagram from {Remote} failed", lastRemote);
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(buffers);
            NativeMemory.Free(names);
            NativeMemory.Free(iov);
            NativeMemory.Free(msgs);
            if (held)
            {
                _socket.SafeHandle.DangerousRelease();
            }
        }
    }
}
