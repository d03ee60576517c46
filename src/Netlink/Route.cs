using System.Net;

namespace L3Net.Netlink;

public enum RouteScope : byte { Universe = 0, Site = 200, Link = 253, Host = 254, Nowhere = 255 }

public enum RouteType : byte { Unicast = 1, Local = 2, Broadcast = 3, Blackhole = 6, Unreachable = 7, Prohibit = 8 }

/// <summary>Route protocol numbers (the "proto" column): who installed the route.</summary>
public static class RouteProtocol
{
    public const byte Kernel = 2;
    public const byte Boot = 3;
    public const byte Static = 4;

    /// <summary>L3Net's own routes (workload /32s, blackholes, BGP-learned): reconciliation never touches others.</summary>
    public const byte L3Net = 77;
}

/// <summary>One path of a multipath route.</summary>
public sealed record NextHop(IPAddress? Gateway, int OutputInterface = 0, bool OnLink = false, byte Weight = 1);

/// <summary>
/// A kernel route. Single-path routes use <see cref="Gateway"/>/<see cref="OutputInterface"/>; multipath routes list
/// <see cref="NextHops"/> instead. Equality compares the next hops by value, so desired and dumped routes compare.
/// </summary>
public sealed record Route(IPNetwork Destination)
{
    public const uint MainTable = 254;

    public int OutputInterface { get; init; }

    public IPAddress? Gateway { get; init; }

    public RouteScope Scope { get; init; } = RouteScope.Universe;

    public byte Protocol { get; init; } = RouteProtocol.Boot;

    public uint Table { get; init; } = MainTable;

    public RouteType Type { get; init; } = RouteType.Unicast;

    /// <summary>Use the gateway even though no address of the interface covers it (e.g. 169.254.1.1 on eth0).</summary>
    public bool OnLink { get; init; }

    public uint Metric { get; init; }

    public IPAddress? PreferredSource { get; init; }

    public IReadOnlyList<NextHop> NextHops { get; init; } = [];

    public bool Equals(Route? other) =>
        other is not null && Destination.Equals(other.Destination) && OutputInterface == other.OutputInterface &&
        Equals(Gateway, other.Gateway) && Scope == other.Scope && Protocol == other.Protocol && Table == other.Table &&
        Type == other.Type && OnLink == other.OnLink && Metric == other.Metric &&
        Equals(PreferredSource, other.PreferredSource) && NextHops.SequenceEqual(other.NextHops);

    public override int GetHashCode() => HashCode.Combine(Destination, OutputInterface, Gateway, Type, Table, NextHops.Count);

    public override string ToString()
    {
        var via = NextHops.Count > 0
            ? string.Join(" ", NextHops.Select(h => $"nexthop via {h.Gateway} dev #{h.OutputInterface}"))
            : $"{(Gateway is null ? "" : $"via {Gateway} ")}{(OutputInterface == 0 ? "" : $"dev #{OutputInterface}")}";
        return $"{(Type == RouteType.Unicast ? "" : Type.ToString().ToLowerInvariant() + " ")}{Destination} {via} " +
               $"proto {Protocol} scope {Scope.ToString().ToLowerInvariant()} table {Table}".Replace("  ", " ");
    }
}

public enum RouteOperation { Add, Replace, Delete }

public readonly record struct RouteChange(RouteOperation Operation, Route Route);

/// <summary>A change of a batch the kernel refused, with its reason.</summary>
public sealed record RouteChangeFailure(RouteChange Change, NetlinkException Error);
