using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace L3Net.Netlink;

[Flags]
public enum NeighbourState : ushort
{
    None = 0, Incomplete = 0x01, Reachable = 0x02, Stale = 0x04, Delay = 0x08, Probe = 0x10, Failed = 0x20, NoArp = 0x40, Permanent = 0x80,
}

/// <summary>An ARP/NDP entry; <see cref="Proxy"/> marks a proxy entry (answered on behalf of others).</summary>
public sealed record Neighbour(int InterfaceIndex, IPAddress Address, PhysicalAddress? Mac, NeighbourState State, bool Proxy = false);

/// <summary>Neighbours: set (create or replace), delete, list.</summary>
public sealed partial class RouteSocket
{
    public void SetNeighbour(Neighbour neighbour)
    {
        var w = Begin(Rt.NEWNEIGH, Rt.F_ACK | Rt.F_CREATE | Rt.F_REPLACE);
        WriteNeighbour(w, neighbour);
        Execute($"set neighbour {neighbour.Address} on #{neighbour.InterfaceIndex}");
    }

    public bool DeleteNeighbour(Neighbour neighbour)
    {
        var w = Begin(Rt.DELNEIGH, Rt.F_ACK);
        WriteNeighbour(w, neighbour);
        return ExecuteIfPresent($"delete neighbour {neighbour.Address} on #{neighbour.InterfaceIndex}");
    }

    public IReadOnlyList<Neighbour> ListNeighbours(AddressFamily family, int? index = null)
    {
        var w = Begin(Rt.GETNEIGH, Rt.F_DUMP);
        w.Write(new NdMsg { Family = Family(family) });
        var all = Query("list neighbours", dump: true, ParseNeighbour);
        return index is null ? all : all.Where(n => n.InterfaceIndex == index).ToList();
    }

    private static void WriteNeighbour(MessageWriter w, Neighbour n)
    {
        w.Write(new NdMsg
        {
            Family = Family(n.Address),
            Index = n.InterfaceIndex,
            State = (ushort)n.State,
            Flags = n.Proxy ? Rt.NTF_PROXY : (byte)0,
        });
        w.Attr(Rt.NDA_DST, n.Address);
        if (n.Mac is not null)
            w.Attr(Rt.NDA_LLADDR, n.Mac.GetAddressBytes());
    }

    internal static Neighbour? ParseNeighbour(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != Rt.NEWNEIGH)
            return null;
        var msg = AttributeReader.Header<NdMsg>(payload, out var attributes);
        IPAddress? address = null;
        PhysicalAddress? mac = null;
        var a = new AttributeReader(attributes);
        while (a.MoveNext())
        {
            if (a.Type == Rt.NDA_DST)
                address = AttributeReader.Address(a.Payload);
            else if (a.Type == Rt.NDA_LLADDR)
                mac = new PhysicalAddress(a.Payload.ToArray());
        }
        return address is null ? null
            : new Neighbour(msg.Index, address, mac, (NeighbourState)msg.State, (msg.Flags & Rt.NTF_PROXY) != 0);
    }
}
