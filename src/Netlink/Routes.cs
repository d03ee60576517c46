using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace L3Net.Netlink;

/// <summary>Routes: add, replace, delete, dump, and batches of changes in one send.</summary>
public sealed partial class RouteSocket
{
    public void AddRoute(Route route) => ChangeRoute(RouteOperation.Add, route);

    public void ReplaceRoute(Route route) => ChangeRoute(RouteOperation.Replace, route);

    /// <summary>Deletes a route matching destination, table, type, protocol, and the next hop when given; false when absent.</summary>
    public bool DeleteRoute(Route route)
    {
        WriteRoute(Begin(Rt.DELROUTE, Rt.F_ACK), RouteOperation.Delete, route);
        return ExecuteIfPresent($"delete route {route}");
    }

    private void ChangeRoute(RouteOperation operation, Route route)
    {
        WriteRoute(Begin(Flags(operation).Type, Flags(operation).Flags), operation, route);
        Execute($"{operation.ToString().ToLowerInvariant()} route {route}");
    }

    /// <summary>
    /// Applies many route changes with few sends (each holding hundreds of messages, each acked on its own) and
    /// returns the ones the kernel refused. A delete of a route already gone is not a failure.
    /// </summary>
    public IReadOnlyList<RouteChangeFailure> ApplyRoutes(IReadOnlyList<RouteChange> changes)
    {
        var failures = Batch(changes.Count, (w, i, seq) =>
        {
            var (type, flags) = Flags(changes[i].Operation);
            w.BeginMessage(type, flags, seq);
            WriteRoute(w, changes[i].Operation, changes[i].Route);
        }, i => $"{changes[i].Operation.ToString().ToLowerInvariant()} route {changes[i].Route}");
        return failures
            .Where(f => !(changes[f.Index].Operation == RouteOperation.Delete && f.Error.IsNotFound))
            .Select(f => new RouteChangeFailure(changes[f.Index], f.Error))
            .ToList();
    }

    private static (ushort Type, ushort Flags) Flags(RouteOperation operation) => operation switch
    {
        RouteOperation.Add => (Rt.NEWROUTE, Rt.F_ACK | Rt.F_CREATE | Rt.F_EXCL),
        RouteOperation.Replace => (Rt.NEWROUTE, Rt.F_ACK | Rt.F_CREATE | Rt.F_REPLACE),
        _ => (Rt.DELROUTE, Rt.F_ACK),
    };

    /// <summary>Routes of one family in one table (null: every table), without the kernel's cached clones.</summary>
    public IReadOnlyList<Route> ListRoutes(AddressFamily family, uint? table = Route.MainTable)
    {
        var w = Begin(Rt.GETROUTE, Rt.F_DUMP);
        w.Write(new RtMsg { Family = Family(family) });
        var all = Query("list routes", dump: true, ParseRoute);
        return table is null ? all : all.Where(r => r.Table == table).ToList();
    }

    private static void WriteRoute(MessageWriter w, RouteOperation operation, Route route)
    {
        var destination = route.Destination.BaseAddress;
        w.Write(new RtMsg
        {
            Family = Family(destination),
            DstLength = (byte)route.Destination.PrefixLength,
            Table = route.Table < 256 ? (byte)route.Table : (byte)0,
            Protocol = route.Protocol,
            // A delete with scope "nowhere" matches any scope, as `ip route del` does.
            Scope = operation == RouteOperation.Delete ? (byte)RouteScope.Nowhere : (byte)route.Scope,
            Type = (byte)route.Type,
            Flags = route.OnLink ? Rt.RTNH_F_ONLINK : 0,
        });
        if (route.Destination.PrefixLength > 0)
            w.Attr(Rt.RTA_DST, destination);
        if (route.Table >= 256)
            w.Attr(Rt.RTA_TABLE, route.Table);
        if (route.OutputInterface != 0)
            w.Attr(Rt.RTA_OIF, route.OutputInterface);
        if (route.Gateway is not null)
            w.Attr(Rt.RTA_GATEWAY, route.Gateway);
        if (route.Metric != 0)
            w.Attr(Rt.RTA_PRIORITY, route.Metric);
        if (route.PreferredSource is not null)
            w.Attr(Rt.RTA_PREFSRC, route.PreferredSource);
        if (route.NextHops.Count > 0)
        {
            var multipath = w.BeginNested(Rt.RTA_MULTIPATH);
            foreach (var hop in route.NextHops)
            {
                var start = w.BeginStruct(new RtNextHop
                {
                    Flags = hop.OnLink ? (byte)Rt.RTNH_F_ONLINK : (byte)0,
                    Hops = (byte)Math.Max(0, hop.Weight - 1),
                    Index = hop.OutputInterface,
                });
                if (hop.Gateway is not null)
                    w.Attr(Rt.RTA_GATEWAY, hop.Gateway);
                w.EndStruct(start);
            }
            w.EndNested(multipath);
        }
    }

    internal static Route? ParseRoute(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != Rt.NEWROUTE)
            return null;
        var msg = AttributeReader.Header<RtMsg>(payload, out var attributes);
        if ((msg.Flags & Rt.RTM_F_CLONED) != 0)
            return null;
        IPAddress? destination = null, gateway = null, source = null;
        uint table = msg.Table, metric = 0;
        var oif = 0;
        List<NextHop> hops = [];
        var a = new AttributeReader(attributes);
        while (a.MoveNext())
        {
            switch (a.Type)
            {
                case Rt.RTA_DST: destination = AttributeReader.Address(a.Payload); break;
                case Rt.RTA_GATEWAY: gateway = AttributeReader.Address(a.Payload); break;
                case Rt.RTA_PREFSRC: source = AttributeReader.Address(a.Payload); break;
                case Rt.RTA_OIF: oif = (int)AttributeReader.U32(a.Payload); break;
                case Rt.RTA_TABLE: table = AttributeReader.U32(a.Payload); break;
                case Rt.RTA_PRIORITY: metric = AttributeReader.U32(a.Payload); break;
                case Rt.RTA_MULTIPATH: ParseNextHops(a.Payload, hops); break;
            }
        }
        destination ??= msg.Family == 10 ? IPAddress.IPv6Any : IPAddress.Any;
        return new Route(Destination(destination, msg.DstLength))
        {
            OutputInterface = oif,
            Gateway = gateway,
            Scope = (RouteScope)msg.Scope,
            Protocol = msg.Protocol,
            Table = table,
            Type = (RouteType)msg.Type,
            OnLink = (msg.Flags & Rt.RTNH_F_ONLINK) != 0,
            Metric = metric,
            PreferredSource = source,
            NextHops = hops,
        };
    }

    private static IPNetwork Destination(IPAddress address, byte length)
    {
        try
        {
            return new IPNetwork(address, length);
        }
        catch (ArgumentException)
        {
            // A prefix length past the family's bits: the kernel never sends one.
            throw AttributeReader.Malformed($"route destination {address}/{length}");
        }
    }

    private static void ParseNextHops(ReadOnlySpan<byte> data, List<NextHop> hops)
    {
        while (data.Length >= 8)
        {
            var hop = MemoryMarshal.Read<RtNextHop>(data);
            if (hop.Length < 8 || hop.Length > data.Length)
                return;
            IPAddress? gateway = null;
            var a = new AttributeReader(data[8..hop.Length]);
            while (a.MoveNext())
                if (a.Type == Rt.RTA_GATEWAY)
                    gateway = AttributeReader.Address(a.Payload);
            hops.Add(new NextHop(gateway, hop.Index, (hop.Flags & Rt.RTNH_F_ONLINK) != 0, (byte)(hop.Hops + 1)));
            var aligned = (hop.Length + 3) & ~3;
            data = aligned >= data.Length ? [] : data[aligned..];
        }
    }
}
