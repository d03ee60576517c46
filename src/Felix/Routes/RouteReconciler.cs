using System.Net;
using System.Net.Sockets;
using L3Net.Netlink;

namespace L3Net.Felix.Routes;

/// <summary>What one route apply did.</summary>
public sealed record RouteApplyResult(int Upserted, int Deleted, int Failed, IReadOnlyList<string> Errors);

/// <summary>
/// The route applier: turns <see cref="RouteTable"/> changes into netlink batches (many changes per send) and, on a
/// resync, compares the whole desired table with the kernel's protocol-77 routes and repairs the difference. It only
/// ever lists, writes and deletes protocol-77 routes, so routes of the system, of the user or of BIRD are untouched.
/// Nothing is removed when the daemon stops: the routes stay in the kernel so forwarding goes on while a new process
/// starts, which then adopts them on its first resync.
/// </summary>
public sealed class RouteReconciler(RouteSocket socket)
{
    public RouteApplyResult ApplyChanges(IReadOnlyDictionary<IPNetwork, DesiredRoute?> changes)
    {
        var links = Links();
        var batch = new List<RouteChange>(changes.Count);
        var deleted = 0;
        foreach (var (destination, route) in changes)
        {
            if (route is null)
            {
                // The table no longer knows what the route was; the kernel matches a delete on its type (a blackhole
                // is not found by a unicast delete), so both are sent and the one that finds nothing is ignored.
                batch.Add(Delete(destination, RouteType.Unicast));
                batch.Add(Delete(destination, RouteType.Blackhole));
                deleted++;
            }
            else if (ToKernel(route, links) is { } k)
            {
                batch.Add(new RouteChange(RouteOperation.Replace, k));
            }
        }
        return Send(batch, batch.Count - 2 * deleted, deleted);
    }

    /// <summary>Full comparison with the kernel; returns what had to be repaired.</summary>
    public RouteApplyResult Resync(IReadOnlyDictionary<IPNetwork, DesiredRoute> desired)
    {
        var links = Links();
        var names = links.ToDictionary(kv => kv.Value, kv => kv.Key);
        var actual = ListOwn().Select(r => FromKernel(r, names)).OfType<DesiredRoute>();
        var plan = RouteDiff.Compute(desired, actual);
        var batch = plan.Deletes.Select(d => Delete(d.Destination, d.Kind == RouteKind.Blackhole ? RouteType.Blackhole : RouteType.Unicast))
            .Concat(plan.Upserts.Select(u => ToKernel(u, links)).OfType<Route>().Select(r => new RouteChange(RouteOperation.Replace, r)))
            .ToList();
        return Send(batch, batch.Count - plan.Deletes.Count, plan.Deletes.Count);
    }

    /// <summary>The protocol-77 routes of the main table, both families.</summary>
    public IEnumerable<Route> ListOwn()
        => socket.ListRoutes(AddressFamily.InterNetwork).Concat(socket.ListRoutes(AddressFamily.InterNetworkV6))
            .Where(r => r.Protocol == Dataplane.RouteProtocol);

    /// <summary>The learned routes in the kernel now (those a previous process left, at start-up).</summary>
    public IReadOnlyList<DesiredRoute> LearnedInKernel()
        => ListOwn().Select(r => FromKernel(r, new Dictionary<int, string>())).OfType<DesiredRoute>()
            .Where(r => r.Kind == RouteKind.Learned).ToList();

    private static RouteChange Delete(IPNetwork destination, RouteType type)
        => new(RouteOperation.Delete, new Route(destination) { Type = type, Protocol = Dataplane.RouteProtocol });

    private RouteApplyResult Send(List<RouteChange> batch, int upserts, int deletes)
    {
        if (batch.Count == 0)
            return new RouteApplyResult(0, 0, 0, []);
        var failures = socket.ApplyRoutes(batch);
        return new RouteApplyResult(upserts, deletes, failures.Count, failures.Take(10).Select(f => f.Error.Message).ToList());
    }

    private Dictionary<string, int> Links() => socket.ListLinks().ToDictionary(l => l.Name, l => l.Index);

    /// <summary>The kernel form of a desired route; null for an endpoint whose interface is not there (yet): the
    /// CNI plugin creates it, and the next change or resync installs the route.</summary>
    internal static Route? ToKernel(DesiredRoute r, IReadOnlyDictionary<string, int> links) => r.Kind switch
    {
        RouteKind.Endpoint => links.TryGetValue(r.Interface!, out var index)
            ? new Route(r.Destination) { OutputInterface = index, Scope = RouteScope.Link, Protocol = Dataplane.RouteProtocol }
            : null,
        RouteKind.Blackhole => new Route(r.Destination) { Type = RouteType.Blackhole, Protocol = Dataplane.RouteProtocol },
        _ => r.NextHops.Count == 1
            ? new Route(r.Destination) { Gateway = r.NextHops[0], Protocol = Dataplane.RouteProtocol }
            : new Route(r.Destination) { NextHops = r.NextHops.Select(h => new NextHop(h)).ToList(), Protocol = Dataplane.RouteProtocol },
    };

    internal static DesiredRoute? FromKernel(Route r, IReadOnlyDictionary<int, string> names)
    {
        if (r.Type == RouteType.Blackhole)
            return new DesiredRoute(r.Destination, RouteKind.Blackhole);
        var hops = r.NextHops.Count > 0 ? r.NextHops.Select(h => h.Gateway).OfType<IPAddress>().ToList()
                 : r.Gateway is { } g ? [g] : [];
        if (hops.Count > 0)
            return new DesiredRoute(r.Destination, RouteKind.Learned, nextHops: hops);
        return names.TryGetValue(r.OutputInterface, out var name) ? new DesiredRoute(r.Destination, RouteKind.Endpoint, name) : null;
    }
}
