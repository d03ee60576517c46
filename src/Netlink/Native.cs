using System.Runtime.InteropServices;

namespace L3Net.Netlink;

/// <summary>The handful of libc calls rtnetlink needs. Blittable signatures only, so the marshaller generates nothing.</summary>
internal static partial class Native
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_ROUTE = 0;
    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;
    public const int MSG_TRUNC = 0x20;
    public const int CLONE_NEWNET = 0x40000000;
    public const int EINTR = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static unsafe partial int Bind(int fd, SockaddrNl* addr, int len);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static unsafe partial int GetSockName(int fd, SockaddrNl* addr, int* len);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int SetSockOpt(int fd, int level, int name, int* value, int len);

    /// <summary>sendto is sendmsg with one iovec in the kernel: a whole batch goes down in this one call.</summary>
    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static unsafe partial nint SendTo(int fd, byte* buffer, nint length, int flags, SockaddrNl* addr, int addrLen);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nstype);

    public static unsafe void SetOption(int fd, int level, int name, int value)
    {
        if (SetSockOpt(fd, level, name, &value, sizeof(int)) < 0)
            throw NetlinkException.FromErrno($"setsockopt({level},{name})", Marshal.GetLastPInvokeError());
    }
}

/// <summary>Owns a netlink socket descriptor so that it is closed even when the owner forgets.</summary>
internal sealed class SocketHandle : SafeHandle
{
    public SocketHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Native.Close((int)handle) == 0;
}
