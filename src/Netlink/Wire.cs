using System.Runtime.InteropServices;

namespace L3Net.Netlink;

/// <summary>rtnetlink message types, flags and attribute numbers (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h).</summary>
internal static class Rt
{
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    public const ushort F_REQUEST = 0x1, F_MULTI = 0x2, F_ACK = 0x4, F_DUMP_INTR = 0x10, F_DUMP = 0x300;
    public const ushort F_REPLACE = 0x100, F_EXCL = 0x200, F_CREATE = 0x400, F_ACK_TLVS = 0x200;
    public const ushort NLMSGERR_ATTR_MSG = 1;

    public const ushort NEWLINK = 16, DELLINK = 17, GETLINK = 18, SETLINK = 19;
    public const ushort NEWADDR = 20, DELADDR = 21, GETADDR = 22;
    public const ushort NEWROUTE = 24, DELROUTE = 25, GETROUTE = 26;
    public const ushort NEWNEIGH = 28, DELNEIGH = 29, GETNEIGH = 30;

    public const ushort IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
    public const ushort IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
    public const uint IFF_UP = 0x1;

    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_FLAGS = 8;
    public const byte IFA_F_NODAD = 0x02;

    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_MULTIPATH = 9, RTA_TABLE = 15;
    public const uint RTNH_F_ONLINK = 0x4, RTM_F_CLONED = 0x200;

    public const ushort NDA_DST = 1, NDA_LLADDR = 2;
    public const byte NTF_PROXY = 0x08;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NlMsgHdr
{
    public uint Length;
    public ushort Type;
    public ushort Flags;
    public uint Seq;
    public uint Pid;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IfInfoMsg
{
    public byte Family;
    public byte Pad;
    public ushort Type;
    public int Index;
    public uint Flags;
    public uint Change;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IfAddrMsg
{
    public byte Family;
    public byte PrefixLength;
    public byte Flags;
    public byte Scope;
    public int Index;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RtMsg
{
    public byte Family;
    public byte DstLength;
    public byte SrcLength;
    public byte Tos;
    public byte Table;
    public byte Protocol;
    public byte Scope;
    public byte Type;
    public uint Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RtNextHop
{
    public ushort Length;
    public byte Flags;
    public byte Hops;
    public int Index;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NdMsg
{
    public byte Family;
    public byte Pad1;
    public ushort Pad2;
    public int Index;
    public ushort State;
    public byte Flags;
    public byte Type;
}
