using System.Runtime.InteropServices;

namespace Anchor.Media.Relay;

/// <summary>
/// The Linux calls the relay's fast path is built on (epoll(7), recvmmsg(2), sendmmsg(2), eventfd(2)): one thread
/// moves a batch of datagrams per system call and never touches the managed socket machinery.
/// Layouts are those of 64-bit Linux (checked in <see cref="IsSupported"/>).
/// </summary>
internal static unsafe partial class Native
{
    public const int EPOLLIN = 0x001;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 10;

    /// <summary>Bytes of a sockaddr_in6, the largest address stored.</summary>
    public const int SockAddrSize = 28;

    public static bool IsSupported => OperatingSystem.IsLinux() && IntPtr.Size == 8
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16).</summary>
    public static int EpollEventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static int EpollDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
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
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* msgs, uint vlen, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* msgs, uint vlen, int flags);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, void* buf, nuint length, int flags, void* destAddr, uint addrLength);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Writes <paramref name="ep"/> as a sockaddr_in / sockaddr_in6 into <paramref name="dest"/>; returns its length.</summary>
    public static int WriteSockAddr(System.Net.IPEndPoint ep, byte* dest)
    {
        new Span<byte>(dest, SockAddrSize).Clear();
        ushort port = (ushort)ep.Port;
        if (ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            *(ushort*)dest = AF_INET;
            dest[2] = (byte)(port >> 8);
            dest[3] = (byte)port;
            ep.Address.TryWriteBytes(new Span<byte>(dest + 4, 4), out _);
            return 16;
        }

        *(ushort*)dest = AF_INET6;
        dest[2] = (byte)(port >> 8);
        dest[3] = (byte)port;
        ep.Address.TryWriteBytes(new Span<byte>(dest + 8, 16), out _);
        *(uint*)(dest + 24) = (uint)ep.Address.ScopeId;
        return SockAddrSize;
    }

    public static System.Net.IPEndPoint? ReadSockAddr(byte* src, int length)
    {
        ushort family = *(ushort*)src;
        int port = (src[2] << 8) | src[3];
        if (family == AF_INET && length >= 16)
        {
            return new System.Net.IPEndPoint(new System.Net.IPAddress(new ReadOnlySpan<byte>(src + 4, 4)), port);
        }

        if (family == AF_INET6 && length >= SockAddrSize)
        {
            return new System.Net.IPEndPoint(new System.Net.IPAddress(new ReadOnlySpan<byte>(src + 8, 16), *(uint*)(src + 24)), port);
        }

        return null;
    }

    /// <summary>Same family, port and address (flow info ignored).</summary>
    public static bool SameAddressAndPort(byte* a, byte* b)
    {
        if (*(uint*)a != *(uint*)b)
        {
            return false; // family and port
        }

        return *(ushort*)a == AF_INET
            ? *(uint*)(a + 4) == *(uint*)(b + 4)
            : *(ulong*)(a + 8) == *(ulong*)(b + 8) && *(ulong*)(a + 16) == *(ulong*)(b + 16) && *(uint*)(a + 24) == *(uint*)(b + 24);
    }

    /// <summary>Same family and address, any port.</summary>
    public static bool SameAddress(byte* a, byte* b)
    {
        if (*(ushort*)a != *(ushort*)b)
        {
            return false;
        }

        return *(ushort*)a == AF_INET
            ? *(uint*)(a + 4) == *(uint*)(b + 4)
            : *(ulong*)(a + 8) == *(ulong*)(b + 8) && *(ulong*)(a + 16) == *(ulong*)(b + 16);
    }
}
