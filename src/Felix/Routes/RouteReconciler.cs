using System.Net;
using System.Net.Sockets;
using L3Net.Netlink;

namespace L3Net.Felix.Routes;

/// <summary>What one route apply did. <see cref="Unapplied"/> are the changes that did not reach the kernel, to retry:
/// those it refused (<see cref="Failed"/> of them) and endpoint routes whose interface is not there yet.</summary>
public sealed record RouteApplyResult(int Upserted, int Deleted, int Failed, IReadOnlyList<string> Errors)
{
    public static readonly RouteApplyResult None = new(0, 0, 0, []);

    public IReadOnlyList<UnappliedRoute> Unapplied { get; init; } = [];
}

/// <summary>A change not made: <see cref="Refused"/> when the kernel said no, else the route's interface is missing.</summary>
public sealed record UnappliedRoute(DesiredRoute Route, bool Delete, bool Refused);

/// <summary>
/// The route applier: turns <see cref="RouteTable"/> changes into netlink batches (many changes per send) and, on a
/// resync, compares the whole desired table with the kernel's protocol-77 routes and repairs the difference. It only
/// ever lists, writes and deletes protocol-77 routes, so routes of the system, of the user or of BIRD are untouched.
/// Nothing is removed when the daemon stops: the routes stay in the kernel so forwarding goes on while a new process
/// starts, which then adopts them on its first resync.
/// </summary>
public sealed class RouteReconciler(RouteSocket socket)
{
    /// <summary>Sends a plan (a <see cref="RouteTable"/> change set, or a resync's difference) as one netlink batch:
    /// each upsert a replace, each delete exactly one delete of the route as it was applied.</summary>
    public RouteApplyResult Apply(RoutePlan plan) => Send(plan, Links());

    /// <summary>Full comparison with the kernel; returns what had to be repaired.</summary>
    public RouteApplyResult Resync(IReadOnlyDictionary<IPNetwork, DesiredRoute> desired)
    {
        var links = Links();
        var names = links.ToDictionary(kv => kv.Value, kv => kv.Key);
        var actual = ListOwn().Select(r => FromKernel(r, names)).OfType<DesiredRoute>();
        return Send(RouteDiff.Compute(desired, actual), links);
    }

    private RouteApplyResult Send(RoutePlan plan, IReadOnlyDictionary<string, int> links)
    {
        var messages = Messages(plan, links, out var unapplied);
        if (messages.Count == 0)
            return RouteApplyResult.None with { Unapplied = unapplied };
        var failures = socket.ApplyRoutes(messages.Select(m => m.Change).ToList());
        if (failures.Count > 0)
        {
            // A failure names the kernel route it was about: the very object built for the message, whatever its value.
            var sent = new Dictionary<Route, DesiredRoute>(ReferenceEqualityComparer.Instance);
            foreach (var (change, route) in messages)
                sent[change.Route] = route;
            unapplied.AddRange(failures.Select(f => new UnappliedRoute(sent[f.Change.Route], f.Change.Operation == RouteOperation.Delete, Refused: true)));
        }
        var deletes = messages.Count(m => m.Change.Operation == RouteOperation.Delete);
        return new RouteApplyResult(messages.Count - deletes, deletes, failures.Count, failures.Take(10).Select(f => f.Error.Message).ToList())
        {
            Unapplied = unapplied,
        };
    }

    /// <summary>The netlink messages of a plan. A delete carries what identifies the route in the kernel — its type, its
    /// interface or its next hops, protocol 77 — so it removes that route and nothing else; an endpoint route whose
    /// interface is gone went with the interface, and one without an interface yet was never written: neither needs a
    /// delete, nor does it get one.</summary>
    internal static List<RouteChange> Batch(RoutePlan plan, IReadOnlyDictionary<string, int> links)
        => Messages(plan, links, out _).Select(m => m.Change).ToList();

    /// <summary>The messages, and the upserts that cannot be written yet (an endpoint route whose interface does not
    /// exist yet), which <paramref name="unwritable"/> returns for a later pass.</summary>
    private static List<(RouteChange Change, DesiredRoute Route)> Messages(RoutePlan plan, IReadOnlyDictionary<string, int> links,
        out List<UnappliedRoute> unwritable)
    {
        var messages = new List<(RouteChange, DesiredRoute)>(plan.Upserts.Count + plan.Deletes.Count);
        unwritable = [];
        foreach (var d in plan.Deletes)
            if (ToKernel(d, links) is { } route)
                messages.Add((new RouteChange(RouteOperation.Delete, route), d));
        foreach (var u in plan.Upserts)
        {
            if (ToKernel(u, links) is { } route)
                messages.Add((new RouteChange(RouteOperation.Replace, route), u));
            else
                unwritable.Add(new UnappliedRoute(u, Delete: false, Refused: false));
        }
        return messages;
    }

    /// <summary>The protocol-77 routes of the main table, both families.</summary>
    public IEnumerable<Route> ListOwn()
        => socket.ListRoutes(AddressFamily.InterNetwork).Concat(socket.ListRoutes(AddressFamily.InterNetworkV6))
            .Where(r => r.Protocol == Dataplane.RouteProtocol);

    /// <summary>Our routes in the kernel now, in desired form: at start-up, what a previous process left.</summary>
    public IReadOnlyList<DesiredRoute> OwnInKernel()
    {
        var names = Links().ToDictionary(kv => kv.Value, kv => kv.Key);
        return ListOwn().Select(r => FromKernel(r, names)).OfType<DesiredRoute>().ToList();
    }

    private Dictionary<string, int> Links() => socket.ListLinks().ToDictionary(l => l.Name, l => l.Index);

    /// <summary>The kernel form of a desired route; null for an endpoint whose interface is not there (yet): the
    /// CNI plugin creates it, and the route stays pending (<see cref="UnappliedRoute"/>) until it can be written.</summary>
    internal static Route? ToKernel(DesiredRoute r, IReadOnlyDictionary<string, int> links) => r.Kind switch
    {
        RouteKind.Endpoint => links.TryGetValue(r.Interface!, out var index)
            ? new Route(r.Destination) { OutputInterface = index, Scope = RouteScope.Link, Protocol = Dataplane.RouteProtocol }
            : null,
        RouteKind.Blackhole => new Route(r.Destination) { Type = RouteType.Blackhole, Protocol = Dataplane.RouteProtocol },
        _ => r.NextHops.Count == 1
            ? new Route(r.Destination) { Gateway = r.NextHops[0], OutputInterface = LinkOf(r.NextHops[0]), Protocol = Dataplane.RouteProtocol }
            : new Route(r.Destination) { NextHops = r.NextHops.Select(h => new NextHop(h, LinkOf(h))).ToList(), Protocol = Dataplane.RouteProtocol },
    };

    /// <summary>A link-local next hop (what a peer sends when it has no global address on the link) means nothing
    /// without its link: it comes with the interface index as its scope ID, and the route goes out of that interface.
    /// Any other next hop is resolved by the kernel.</summary>
    private static int LinkOf(IPAddress hop) => hop.IsIPv6LinkLocal ? (int)hop.ScopeId : 0;

    /// <summary>The inverse of <see cref="LinkOf"/> for a dumped route: a link-local gateway gets its interface back as
    /// the scope ID, so it compares equal to the desired next hop.</summary>
    private static IPAddress? Scoped(IPAddress? gateway, int link)
        => gateway is { IsIPv6LinkLocal: true } ? new IPAddress(gateway.GetAddressBytes(), link) : gateway;

    internal static DesiredRoute? FromKernel(Route r, IReadOnlyDictionary<int, string> names)
    {
        if (r.Type == RouteType.Blackhole)
            return new DesiredRoute(r.Destination, RouteKind.Blackhole);
        var hops = r.NextHops.Count > 0 ? r.NextHops.Select(h => Scoped(h.Gateway, h.OutputInterface)).OfType<IPAddress>().ToList()
                 : r.Gateway is { } g ? [Scoped(g, r.OutputInterface)!] : [];
        if (hops.Count > 0)
            return new DesiredRoute(r.Destination, RouteKind.Learned, nextHops: hops);
        return names.TryGetValue(r.OutputInterface, out var name) ? new DesiredRoute(r.Destination, RouteKind.Endpoint, name) : null;
    }
}
