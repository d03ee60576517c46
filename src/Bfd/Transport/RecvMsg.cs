using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace L3Net.Bfd.Transport;

/// <summary>
/// recvmsg(2) for the one thing the BCL does not give: the TTL / hop limit a datagram arrived with (RFC 5881 5: a
/// single-hop session accepts only packets sent with TTL 255, so they cannot have crossed a router). The kernel
/// reports it as an IP_TTL / IPV6_HOPLIMIT control message once IP_RECVTTL / IPV6_RECVHOPLIMIT is set. Linux, 64-bit.
/// </summary>
internal static unsafe partial class RecvMsg
{
    private const int SolIp = 0, IpTtl = 2, IpRecvTtl = 12, SolIpv6 = 41, Ipv6RecvHopLimit = 51, Ipv6HopLimit = 52;
    private const int MsgDontWait = 0x40, AfInet = 2, AfInet6 = 10;

    /// <summary>Asks the kernel to report each datagram's TTL (IPv4) or hop limit (IPv6).</summary>
    public static void EnableTtlReport(Socket socket)
    {
        Span<byte> on = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(on, 1);
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
            socket.SetRawSocketOption(SolIpv6, Ipv6RecvHopLimit, on);
        else
            socket.SetRawSocketOption(SolIp, IpRecvTtl, on);
    }

    /// <summary>One datagram without blocking: its length (0 when none is queued), the sender, and the TTL it arrived
    /// with (-1 when the kernel reported none).</summary>
    public static int Receive(Socket socket, Span<byte> buffer, out IPEndPoint? from, out int ttl)
    {
        from = null;
        ttl = -1;
        var name = stackalloc byte[128];
        var control = stackalloc byte[128];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var msg = new MsgHdr { Name = name, NameLength = 128, Iov = &iov, IovLength = 1, Control = control, ControlLength = 128 };
            var n = recvmsg((int)socket.Handle, &msg, MsgDontWait);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is 11 or 4) // EAGAIN, EINTR: nothing this time
                    return 0;
                throw new SocketException(errno);
            }
            from = Address(new ReadOnlySpan<byte>(name, (int)msg.NameLength));
            ttl = Ttl(new ReadOnlySpan<byte>(control, (int)msg.ControlLength));
            return (int)n;
        }
    }

    private static IPEndPoint? Address(ReadOnlySpan<byte> sa)
    {
        var family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        var port = BinaryPrimitives.ReadUInt16BigEndian(sa[2..]);
        if (family == AfInet && sa.Length >= 8)
            return new IPEndPoint(new IPAddress(sa.Slice(4, 4)), port);
        if (family == AfInet6 && sa.Length >= 28)
        {
            var address = new IPAddress(sa.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(sa[24..]));
            return new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
        }
        return null;
    }

    /// <summary>Walks the control messages (struct cmsghdr: size_t len, int level, int type, data; 8-byte aligned).</summary>
    private static int Ttl(ReadOnlySpan<byte> control)
    {
        while (control.Length >= 16)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control);
            if (length < 16 || length > control.Length)
                break;
            var level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            if ((level == SolIp && type == IpTtl) || (level == SolIpv6 && type == Ipv6HopLimit))
                return BinaryPrimitives.ReadInt32LittleEndian(control[16..]);
            var aligned = (length + 7) & ~7;
            if (aligned >= control.Length)
                break;
            control = control[aligned..];
        }
        return -1;
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
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int socket, MsgHdr* message, int flags);
}
