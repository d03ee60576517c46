using System.Net;

namespace L3Net.Felix.Routes;

/// <summary>Why a route exists; also its precedence when two inputs want the same destination (lower wins).</summary>
public enum RouteKind
{
    /// <summary>A local workload address: <c>IP/32 dev cali… scope link</c>.</summary>
    Endpoint = 0,

    /// <summary>A block this node is affine to: <c>blackhole BLOCK</c>, so unassigned addresses in it go nowhere
    /// instead of following a default route back into the fabric.</summary>
    Blackhole = 1,

    /// <summary>A BGP-learned route (one or several next hops).</summary>
    Learned = 2,
}

/// <summary>One route Felix wants in the main table. Every such route carries protocol <see cref="Dataplane.RouteProtocol"/>,
/// which is how reconciliation tells its own routes from everybody else's.</summary>
public sealed class DesiredRoute : IEquatable<DesiredRoute>
{
    public DesiredRoute(IPNetwork destination, RouteKind kind, string? @interface = null, IEnumerable<IPAddress>? nextHops = null)
    {
        Destination = destination;
        Kind = kind;
        Interface = @interface;
        // Sorted so that the same next hops in another order are the same route (ECMP sets have no order).
        NextHops = (nextHops ?? []).Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        if (kind == RouteKind.Endpoint && @interface is null)
            throw new ArgumentException("an endpoint route needs its interface", nameof(@interface));
        if (kind == RouteKind.Learned && NextHops.Count == 0)
            throw new ArgumentException("a learned route needs at least one next hop", nameof(nextHops));
    }

    public IPNetwork Destination { get; }
    public RouteKind Kind { get; }
    public string? Interface { get; }
    public IReadOnlyList<IPAddress> NextHops { get; }

    public bool Equals(DesiredRoute? other)
        => other is not null && Destination.Equals(other.Destination) && Kind == other.Kind
           && Interface == other.Interface && NextHops.SequenceEqual(other.NextHops);

    public override bool Equals(object? obj) => Equals(obj as DesiredRoute);

    public override int GetHashCode() => HashCode.Combine(Destination, Kind, Interface, NextHops.Count);

    public override string ToString() => Kind switch
    {
        RouteKind.Endpoint => $"{Destination} dev {Interface} scope link",
        RouteKind.Blackhole => $"blackhole {Destination}",
        _ => $"{Destination} via {string.Join(",", NextHops)}",
    };
}
