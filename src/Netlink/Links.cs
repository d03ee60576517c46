using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;

namespace L3Net.Netlink;

/// <summary>A network interface as the kernel reports it.</summary>
public sealed record Link(int Index, string Name, int Mtu, PhysicalAddress? Mac, bool IsUp, string? Kind, int ParentIndex);

/// <summary>Links: list, get, veth pairs across namespaces, rename, up/down, MTU, MAC, move, delete.</summary>
public sealed partial class RouteSocket
{
    public IReadOnlyList<Link> ListLinks()
    {
        var w = Begin(Rt.GETLINK, Rt.F_DUMP);
        w.Write(new IfInfoMsg());
        return Query("list links", dump: true, ParseLink);
    }

    /// <summary>The link named <paramref name="name"/>, or null when there is none.</summary>
    public Link? GetLink(string name)
    {
        var w = Begin(Rt.GETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg());
        w.Attr(Rt.IFLA_IFNAME, name);
        return GetOne($"get link {name}", ParseLink);
    }

    public Link? GetLink(int index)
    {
        var w = Begin(Rt.GETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index });
        return GetOne($"get link #{index}", ParseLink);
    }

    private T? GetOne<T>(string operation, ReplyParser<T> parser) where T : class
    {
        try
        {
            return Query(operation, dump: false, parser).FirstOrDefault();
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Creates a veth pair: <paramref name="name"/> here, <paramref name="peerName"/> created directly in the namespace
    /// of <paramref name="peerNamespace"/> (null: here too), so no moment exists where the peer sits in the wrong place.
    /// </summary>
    public void CreateVeth(string name, string peerName, SafeFileHandle? peerNamespace = null, int mtu = 0,
        PhysicalAddress? mac = null, PhysicalAddress? peerMac = null)
    {
        var w = Begin(Rt.NEWLINK, Rt.F_ACK | Rt.F_CREATE | Rt.F_EXCL);
        w.Write(new IfInfoMsg());
        LinkAttributes(w, name, mtu, mac);
        var info = w.BeginNested(Rt.IFLA_LINKINFO);
        w.Attr(Rt.IFLA_INFO_KIND, "veth");
        var data = w.BeginNested(Rt.IFLA_INFO_DATA);
        var peer = w.BeginNested(Rt.VETH_INFO_PEER);
        w.Write(new IfInfoMsg());
        LinkAttributes(w, peerName, mtu, peerMac);
        if (peerNamespace is not null)
            w.Attr(Rt.IFLA_NET_NS_FD, (int)peerNamespace.DangerousGetHandle());
        w.EndNested(peer);
        w.EndNested(data);
        w.EndNested(info);
        Execute($"create veth {name} peer {peerName}");
    }

    private static void LinkAttributes(MessageWriter w, string name, int mtu, PhysicalAddress? mac)
    {
        w.Attr(Rt.IFLA_IFNAME, name);
        if (mtu > 0)
            w.Attr(Rt.IFLA_MTU, mtu);
        if (mac is not null)
            w.Attr(Rt.IFLA_ADDRESS, mac.GetAddressBytes());
    }

    public void SetLinkUp(int index, bool up = true)
    {
        var w = Begin(Rt.SETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index, Flags = up ? Rt.IFF_UP : 0, Change = Rt.IFF_UP });
        Execute($"set link #{index} {(up ? "up" : "down")}");
    }

    public void RenameLink(int index, string name)
    {
        var w = Begin(Rt.SETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index });
        w.Attr(Rt.IFLA_IFNAME, name);
        Execute($"rename link #{index} to {name}");
    }

    public void SetMtu(int index, int mtu)
    {
        var w = Begin(Rt.SETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index });
        w.Attr(Rt.IFLA_MTU, mtu);
        Execute($"set link #{index} mtu {mtu}");
    }

    public void SetMac(int index, PhysicalAddress mac)
    {
        var w = Begin(Rt.SETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index });
        w.Attr(Rt.IFLA_ADDRESS, mac.GetAddressBytes());
        Execute($"set link #{index} address {mac}");
    }

    /// <summary>Moves a link into the namespace of <paramref name="targetNamespace"/>; its index there may differ.</summary>
    public void MoveLink(int index, SafeFileHandle targetNamespace)
    {
        var w = Begin(Rt.SETLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index });
        w.Attr(Rt.IFLA_NET_NS_FD, (int)targetNamespace.DangerousGetHandle());
        Execute($"move link #{index} to another namespace");
    }

    /// <summary>Deletes a link (for a veth, both ends). Returns false when it did not exist.</summary>
    public bool DeleteLink(string name)
    {
        var w = Begin(Rt.DELLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg());
        w.Attr(Rt.IFLA_IFNAME, name);
        return ExecuteIfPresent($"delete link {name}");
    }

    public bool DeleteLink(int index)
    {
        var w = Begin(Rt.DELLINK, Rt.F_ACK);
        w.Write(new IfInfoMsg { Index = index });
        return ExecuteIfPresent($"delete link #{index}");
    }

    /// <summary>Runs a delete; "not there" is success for idempotent teardown and reported as false.</summary>
    private bool ExecuteIfPresent(string operation)
    {
        try
        {
            Execute(operation);
            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    internal static Link? ParseLink(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != Rt.NEWLINK)
            return null;
        var info = AttributeReader.Header<IfInfoMsg>(payload, out var attributes);
        string name = "";
        var mtu = 0;
        var parent = 0;
        PhysicalAddress? mac = null;
        string? kind = null;
        var a = new AttributeReader(attributes);
        while (a.MoveNext())
        {
            switch (a.Type)
            {
                case Rt.IFLA_IFNAME: name = AttributeReader.String(a.Payload); break;
                case Rt.IFLA_MTU: mtu = (int)AttributeReader.U32(a.Payload); break;
                case Rt.IFLA_LINK: parent = (int)AttributeReader.U32(a.Payload); break;
                case Rt.IFLA_ADDRESS: mac = new PhysicalAddress(a.Payload.ToArray()); break;
                case Rt.IFLA_LINKINFO:
                    var nested = new AttributeReader(a.Payload);
                    while (nested.MoveNext())
                        if (nested.Type == Rt.IFLA_INFO_KIND)
                            kind = AttributeReader.String(nested.Payload);
                    break;
            }
        }
        return new Link(info.Index, name, mtu, mac, (info.Flags & Rt.IFF_UP) != 0, kind, parent);
    }
}
