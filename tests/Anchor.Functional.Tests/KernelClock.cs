using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Anchor.Functional.Tests;

/// <summary>
/// Receives datagrams with the time the kernel queued them (SO_TIMESTAMPNS, CLOCK_REALTIME): on loopback that is the
/// moment the sender sent, whatever the test process was doing then (a loaded machine can leave a test's receive
/// loop unscheduled for a few hundred milliseconds; timing measured after that reads as a burst the sender never made).
/// </summary>
internal static unsafe partial class KernelClock
{
    private const int SolSocket = 1;
    private const int SoTimestampNs = 35;
    private const int ScmTimestampNs = SoTimestampNs;
    private const int MsgDontWait = 0x40;
    private const short PollIn = 1;

    /// <summary>Asks the kernel to stamp what <paramref name="socket"/> receives; false where it cannot.</summary>
    public static bool Enable(Socket socket)
    {
        int one = 1;
        return OperatingSystem.IsLinux() && SetSockOpt((int)socket.Handle, SolSocket, SoTimestampNs, &one, sizeof(int)) == 0;
    }

    /// <summary>
    /// One datagram into <paramref name="buffer"/>, waiting at most <paramref name="waitMs"/>: its length (-1 when none
    /// came or on an error) and the kernel's stamp in Unix nanoseconds (0 when none came with it).
    /// </summary>
    public static int Receive(Socket socket, byte[] buffer, int waitMs, out long unixNanoseconds)
    {
        unixNanoseconds = 0;
        var poll = new PollFd { Fd = (int)socket.Handle, Events = PollIn };
        if (Poll(&poll, 1, waitMs) <= 0)
        {
            return -1;
        }

        byte* control = stackalloc byte[64];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
            nint n = RecvMsg((int)socket.Handle, &msg, MsgDontWait);
            if (n < 0)
            {
                return -1;
            }

            // One control message is expected: cmsghdr { size_t len; int level; int type; } then the timespec.
            if (msg.ControlLength >= 32 && *(int*)(control + 8) == SolSocket && *(int*)(control + 12) == ScmTimestampNs)
            {
                long seconds = *(long*)(control + 16);
                long nanoseconds = *(long*)(control + 24);
                unixNanoseconds = (seconds * 1_000_000_000) + nanoseconds;
            }

            return (int)n;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MsgHdr* msg, int flags);
}
