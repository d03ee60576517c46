using System.Net;
using System.Net.Sockets;

namespace L3Net.Netlink;

/// <summary>An address on an interface: "10.0.0.5/32 on #7". Not an IPNetwork, because host bits are the point.</summary>
public sealed record InterfaceAddress(int InterfaceIndex, IPAddress Address, int PrefixLength, RouteScope Scope = RouteScope.Universe)
{
    public override string ToString() => $"{Address}/{PrefixLength} on #{InterfaceIndex}";
}

/// <summary>Interface addresses: add, delete, list.</summary>
public sealed partial class RouteSocket
{
    /// <summary>Adds an address. <paramref name="noDad"/> skips IPv6 duplicate detection so the address works at once.</summary>
    public void AddAddress(int index, IPAddress address, int prefixLength, bool noDad = false)
    {
        var w = Begin(Rt.NEWADDR, Rt.F_ACK | Rt.F_CREATE | Rt.F_EXCL);
        WriteAddress(w, index, address, prefixLength, noDad ? Rt.IFA_F_NODAD : (byte)0);
        Execute($"add address {address}/{prefixLength} to #{index}");
    }

    /// <summary>Deletes an address; false when it was not there.</summary>
    public bool DeleteAddress(int index, IPAddress address, int prefixLength)
    {
        var w = Begin(Rt.DELADDR, Rt.F_ACK);
        WriteAddress(w, index, address, prefixLength, 0);
        return ExecuteIfPresent($"delete address {address}/{prefixLength} from #{index}");
    }

    private static void WriteAddress(MessageWriter w, int index, IPAddress address, int prefixLength, byte flags)
    {
        w.Write(new IfAddrMsg { Family = Family(address), PrefixLength = (byte)prefixLength, Flags = flags, Index = index });
        w.Attr(Rt.IFA_LOCAL, address);
        w.Attr(Rt.IFA_ADDRESS, address);
    }

    /// <summary>Addresses of one family (null: both), optionally of one interface.</summary>
    public IReadOnlyList<InterfaceAddress> ListAddresses(AddressFamily? family = null, int? index = null)
    {
        var w = Begin(Rt.GETADDR, Rt.F_DUMP);
        w.Write(new IfAddrMsg { Family = family is null ? (byte)0 : Family(family.Value) });
        var all = Query("list addresses", dump: true, ParseAddress);
        return index is null ? all : all.Where(a => a.InterfaceIndex == index).ToList();
    }

    internal static InterfaceAddress? ParseAddress(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != Rt.NEWADDR)
            return null;
        var msg = AttributeReader.Header<IfAddrMsg>(payload, out var attributes);
        IPAddress? local = null, address = null;
        var a = new AttributeReader(attributes);
        while (a.MoveNext())
        {
            if (a.Type == Rt.IFA_LOCAL)
                local = AttributeReader.Address(a.Payload);
            else if (a.Type == Rt.IFA_ADDRESS)
                address = AttributeReader.Address(a.Payload);
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
        var own = local ?? address;
        return own is null ? null : new InterfaceAddress(msg.Index, own, msg.PrefixLength, (RouteScope)msg.Scope);
    }

    internal static byte Family(IPAddress address) => Family(address.AddressFamily);

    internal static byte Family(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => 2,
        AddressFamily.InterNetworkV6 => 10,
        _ => throw new ArgumentException($"not an IP address family: {family}", nameof(family)),
    };
}
