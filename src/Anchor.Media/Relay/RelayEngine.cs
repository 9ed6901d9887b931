using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Anchor.Media.Engine;
using Microsoft.Extensions.Logging;

namespace Anchor.Media.Relay;

/// <summary>
/// The relay's data path: one dedicated thread waits on epoll for every relay socket, reads up to
/// <see cref="Batch"/> datagrams per recvmmsg, checks and counts them, and sends them on from the paired socket with one
/// sendmmsg. Buffers, iovecs and message headers are native memory allocated once; nothing is allocated per packet.
/// Control (adding, changing and removing endpoints) is queued to this thread and woken through an eventfd, so the
/// endpoint state has a single writer. The same thread runs Anchor's own streams (<see cref="LocalStream"/>) on a
/// 20 ms <see cref="PacingWheel{T}"/>: epoll_wait sleeps until the next frame is due, at most.
/// </summary>
internal sealed unsafe class RelayEngine : IDisposable
{
    public const int Batch = 32;
    private const int BufferSize = 2048;
    private const int MaxEvents = 256;
    private const long WakeId = -1;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly List<RelayEndpoint?> _slots = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly ILogger _log;
    private readonly byte* _buffers;
    private readonly byte* _names;
    private readonly Native.IoVec* _recvIov;
    private readonly Native.IoVec* _sendIov;
    private readonly Native.MMsgHdr* _recv;
    private readonly Native.MMsgHdr* _send;
    private readonly byte* _events;
    private readonly PacingWheel<LocalStream> _wheel = new();
    private readonly long _frequency;
    private volatile bool _stopping;

    public RelayEngine(ILogger log, string name, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        _frequency = Time.TimestampFrequency;
        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("The media relay needs 64-bit Linux (epoll, recvmmsg, sendmmsg)");
        }

        _log = log;
        _epoll = Native.EpollCreate1(Native.EPOLL_CLOEXEC);
        _wake = Native.EventFd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK);
        if (_epoll < 0 || _wake < 0)
        {
            throw new InvalidOperationException($"epoll/eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _buffers = (byte*)NativeMemory.AlignedAlloc(Batch * BufferSize, 64);
        _names = (byte*)NativeMemory.AllocZeroed(Batch * 32);
        _recvIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.IoVec)));
        _sendIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.IoVec)));
        _recv = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.MMsgHdr)));
        _send = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Native.MMsgHdr)));
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * Native.EpollEventSize));
        for (int i = 0; i < Batch; i++)
        {
            _recvIov[i].Base = _buffers + (i * BufferSize);
            _recvIov[i].Length = BufferSize;
            _recv[i].Header.Iov = &_recvIov[i];
            _recv[i].Header.IovLength = 1;
            _recv[i].Header.Name = _names + (i * 32);
            _sendIov[i].Base = _buffers + (i * BufferSize);
            _send[i].Header.Iov = &_sendIov[i];
            _send[i].Header.IovLength = 1;
        }

        Register(_wake, WakeId);
        _thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>The engine's one clock (packet times, media timeouts, the 20 ms frames of local streams).</summary>
    public TimeProvider Time { get; }

    /// <summary>Called on the engine thread about once a second with the current time, for media timeouts.</summary>
    public Action<long>? Tick { get; set; }

    /// <summary>Local streams on this engine's clock.</summary>
    public int LocalStreams => _wheel.Count;

    public long NowMs => Time.GetTimestamp() * 1000 / _frequency;

    /// <summary>Engine thread only: starts a local stream's 20 ms clock.</summary>
    public void Attach(LocalStream stream) => stream.Attach(NowMs, _wheel);

    /// <summary>Engine thread only: stops it.</summary>
    public void Detach(LocalStream stream) => stream.Detach(_wheel);

    /// <summary>Engine thread only: sends one datagram from <paramref name="from"/>'s socket to its party. False when it did not go.</summary>
    public bool SendFrom(RelayEndpoint from, byte* data, int length)
    {
        if (from.RemoteLength == 0)
        {
            return false;
        }

        return Native.SendTo(from.Fd, data, (nuint)length, Native.MSG_DONTWAIT, from.RemoteAddr, (uint)from.RemoteLength) == length;
    }

    public int EndpointCount { get; private set; }

    /// <summary>Runs <paramref name="command"/> on the engine thread.</summary>
    public void Post(Action command)
    {
        _commands.Enqueue(command);
        ulong one = 1;
        Native.Write(_wake, &one, 8);
    }

    /// <summary>Engine thread only: starts polling an endpoint.</summary>
    public void Add(RelayEndpoint ep)
    {
        int id = _freeSlots.Count > 0 ? _freeSlots.Pop() : _slots.Count;
        if (id == _slots.Count)
        {
            _slots.Add(ep);
        }
        else
        {
            _slots[id] = ep;
        }

        ep.Id = id;
        ep.LastPacketTicks = Time.GetTimestamp();
        Register(ep.Fd, id);
        EndpointCount++;
    }

    /// <summary>Engine thread only: stops polling an endpoint and closes it.</summary>
    public void Remove(RelayEndpoint ep)
    {
        if (ep.Id < 0)
        {
            return;
        }

        Native.EpollCtl(_epoll, Native.EPOLL_CTL_DEL, ep.Fd, null);
        _slots[ep.Id] = null;
        _freeSlots.Push(ep.Id);
        ep.Id = -1;
        EndpointCount--;
        ep.Dispose();
    }

    /// <summary>
    /// Engine thread only: whether epoll wakes the engine for this endpoint's packets. A port in local mode is read by its
    /// stream's own 20 ms tick instead (<see cref="Drain"/>), so one wake-up per frame serves both directions.
    /// </summary>
    public void SetReadInterest(RelayEndpoint ep, bool interested)
    {
        if (ep.Id < 0)
        {
            return;
        }

        byte* ev = stackalloc byte[16];
        *(uint*)ev = interested ? (uint)Native.EPOLLIN : 0u;
        *(long*)(ev + Native.EpollDataOffset) = ep.Id;
        Native.EpollCtl(_epoll, Native.EPOLL_CTL_MOD, ep.Fd, ev);
    }

    /// <summary>Engine thread only: takes whatever the endpoint's socket holds, as if epoll had said it was readable.</summary>
    public void Drain(RelayEndpoint ep)
    {
        if (ep.Id >= 0)
        {
            Pump(ep);
        }
    }

    private void Register(int fd, long id)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = Native.EPOLLIN;
        *(long*)(ev + Native.EpollDataOffset) = id;
        if (Native.EpollCtl(_epoll, Native.EPOLL_CTL_ADD, fd, ev) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void Run()
    {
        long frequency = _frequency;
        long nextTick = Time.GetTimestamp() + frequency;
        int stride = Native.EpollEventSize;
        int dataOffset = Native.EpollDataOffset;
        Action<LocalStream, int> tickStream = (s, skipped) => s.Tick(NowMs, skipped);
        while (!_stopping)
        {
            int wait = _wheel.Count == 0 ? -1 : _wheel.MsUntilNext(NowMs); // no clock read per wake-up for a pure relay
            int n = Native.EpollWait(_epoll, _events, MaxEvents, wait < 0 ? 250 : wait);
            if (n < 0 && Marshal.GetLastPInvokeError() != Native.EINTR)
            {
                _log.LogError("epoll_wait failed: errno {Errno}; the relay stops", Marshal.GetLastPInvokeError());
                return;
            }

            if (!_commands.IsEmpty)
            {
                RunCommands(); // what was posted before these packets came applies to them, whatever order epoll lists them in
            }

            for (int i = 0; i < n; i++)
            {
                long id = *(long*)(_events + (i * stride) + dataOffset);
                if (id == WakeId)
                {
                    ulong count;
                    Native.Read(_wake, &count, 8);
                    RunCommands();
                    continue;
                }

                if (id < _slots.Count && _slots[(int)id] is { } ep)
                {
                    Pump(ep);
                }
            }

            if (_wheel.Count > 0)
            {
                _wheel.Run(NowMs, tickStream);
            }

            long now = Time.GetTimestamp();
            if (now >= nextTick)
            {
                nextTick = now + frequency;
                try
                {
                    Tick?.Invoke(now);
                }
                catch (Exception e)
                {
                    _log.LogError(e, "Relay tick failed");
                }
            }
        }

        RunCommands();
    }

    private void RunCommands()
    {
        while (_commands.TryDequeue(out Action? command))
        {
            try
            {
                command();
            }
            catch (Exception e)
            {
                _log.LogError(e, "Relay command failed");
            }
        }
    }

    /// <summary>Drains one socket: batches in, checked and counted, batches out through the paired socket.</summary>
    private void Pump(RelayEndpoint ep)
    {
        while (true)
        {
            for (int i = 0; i < Batch; i++)
            {
                _recv[i].Header.NameLength = 32;
                _recv[i].Header.Flags = 0;
            }

            int k = Native.RecvMMsg(ep.Fd, _recv, Batch, Native.MSG_DONTWAIT, null);
            if (k <= 0)
            {
                return;
            }

            long now = Time.GetTimestamp();
            RelayEndpoint? peer = ep.Peer;
            LocalStream? local = ep.Local;
            int count = 0;
            for (int i = 0; i < k; i++)
            {
                int len = (int)_recv[i].Length;
                byte* source = (byte*)_recv[i].Header.Name;
                if ((_recv[i].Header.Flags & Native.MSG_TRUNC) != 0)
                {
                    ep.Dropped++;
                    continue;
                }

                if (!Accept(ep, source, (int)_recv[i].Header.NameLength))
                {
                    ep.Rejected++;
                    continue;
                }

                if (ep.Packets++ == 0)
                {
                    Volatile.Write(ref ep.FirstPacketUnixMs, Time.GetUtcNow().ToUnixTimeMilliseconds()); // once per stream
                }

                ep.Bytes += len;
                ep.LastPacketTicks = now;
                if (!ep.IsRtcp)
                {
                    ep.CountTimeline(now, _frequency);
                }
                byte* data = _buffers + (i * BufferSize);
                ep.AccountRtp(data, len, now, _frequency);
                if (local is not null)
                {
                    if (!ep.IsRtcp)
                    {
                        local.OnPacket(data, len); // Anchor is this party's other side: nothing is forwarded
                    }

                    continue;
                }

                if (peer is null || peer.RemoteLength == 0)
                {
                    ep.Dropped++;
                    continue;
                }

                if (!ep.IsRtcp && len >= 12)
                {
                    RewritePayloadType(data, ep, peer);
                }

                _sendIov[count].Base = data;
                _sendIov[count].Length = (nuint)len;
                _send[count].Header.Name = peer.RemoteAddr;
                _send[count].Header.NameLength = (uint)peer.RemoteLength;
                count++;
            }

            if (count > 0)
            {
                int sent = 0;
                while (sent < count)
                {
                    int r = Native.SendMMsg(peer!.Fd, _send + sent, (uint)(count - sent), Native.MSG_DONTWAIT);
                    if (r <= 0)
                    {
                        break; // socket buffer full or an ICMP error pending: the rest of this batch is lost
                    }

                    sent += r;
                }

                ep.Forwarded += sent;
                ep.Dropped += count - sent;
            }

            if (k < Batch)
            {
                return;
            }
        }
    }

    /// <summary>
    /// RFC 4733 §2.1 for a B2BUA: when the two parties numbered a format differently (telephone-event as 101 on one
    /// side and 96 on the other), the payload type is rewritten to the receiver's number. Two lookups per packet.
    /// </summary>
    private static void RewritePayloadType(byte* data, RelayEndpoint from, RelayEndpoint to)
    {
        int pt = data[1] & 0x7F;
        byte encoding = from.EncodingOfPt[pt];
        if (encoding == 0)
        {
            return;
        }

        byte mapped = to.PtOfEncoding[encoding];
        if (mapped != 0xFF && mapped != pt)
        {
            data[1] = (byte)((data[1] & 0x80) | mapped);
        }
    }

    /// <summary>
    /// Symmetric RTP with a hijack guard: the source must be the latched address; while the latch is open (after each
    /// offer/answer, until the first packet) any source is taken; later, only a source on the signalled host may move it.
    /// </summary>
    private static bool Accept(RelayEndpoint ep, byte* source, int sourceLength)
    {
        if (ep.RemoteLength > 0 && Native.SameAddressAndPort(source, ep.RemoteAddr))
        {
            if (!ep.Latched)
            {
                ep.Latched = true;
            }

            ep.LatchOpen = false;
            return true;
        }

        if (ep.LatchOpen || (ep.SignalledLength > 0 && Native.SameAddress(source, ep.SignalledAddr)))
        {
            Buffer.MemoryCopy(source, ep.RemoteAddr, Native.SockAddrSize, Math.Min(sourceLength, Native.SockAddrSize));
            ep.RemoteLength = Math.Min(sourceLength, Native.SockAddrSize);
            ep.Latched = true;
            ep.LatchOpen = false;
            return true;
        }

        return false;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Post(() => { });
        _thread.Join(TimeSpan.FromSeconds(5));
        foreach (RelayEndpoint? ep in _slots)
        {
            ep?.Dispose();
        }

        Native.Close(_epoll);
        Native.Close(_wake);
        NativeMemory.AlignedFree(_buffers);
        NativeMemory.Free(_names);
        NativeMemory.Free(_recvIov);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_recv);
        NativeMemory.Free(_send);
        NativeMemory.Free(_events);
    }
}
