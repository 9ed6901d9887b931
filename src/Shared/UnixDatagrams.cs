using System.Runtime.InteropServices;

// Linked into Anchor.Sip (its UDP fast path) and Anchor.Media (the relay's): each compiles it into its own namespace.
#if ANCHOR_MEDIA
namespace Anchor.Media.Relay;
#else
namespace Anchor.Sip.Transport;
#endif

/// <summary>
/// The Linux datagram calls of the fast paths (recvmmsg(2), sendmmsg(2), sendto(2), poll(2)) and sockaddr handling:
/// a batch of datagrams per system call into buffers allocated once. Layouts are those of 64-bit Linux (checked in
/// <see cref="IsSupported"/>).
/// </summary>
internal static unsafe partial class Native
{
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_WAITFORONE = 0x10000;
    public const short POLLIN = 0x001;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 10;

    /// <summary>Bytes of a sockaddr_in6, the largest address stored.</summary>
    public const int SockAddrSize = 28;

    public static bool IsSupported => OperatingSystem.IsLinux() && IntPtr.Size == 8
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

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

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* msgs, uint vlen, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* msgs, uint vlen, int flags);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, void* buf, nuint length, int flags, void* destAddr, uint addrLength);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeout);

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
