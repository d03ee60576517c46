using System.Net;

namespace L3Net.Felix.Routes;

/// <summary>
/// The calculation side of routing: the node's inputs (local endpoints, affine blocks, BGP-learned routes) in,
/// the desired route per destination out. Pure and kernel-free. It is incremental: every input change marks only the
/// destinations it touches, and <see cref="TakeChanges"/> hands the applier just those, so one new pod costs one route
/// and one BGP update costs its prefixes, however large the table. It remembers the route it last handed out per
/// destination, so a removal names the route as it was applied (a blackhole, an interface, next hops): the kernel
/// matches a delete on its type, and a delete must hit our route and nothing else. A change the applier could not
/// make comes back through <see cref="Retry"/>: it is dirty again, and the route remembered for it is what the kernel
/// still holds, so the next <see cref="TakeChanges"/> hands it out once more.
/// </summary>
public sealed class RouteTable
{
    private readonly Dictionary<string, EndpointRoutes> _endpoints = [];
    private readonly Dictionary<IPNetwork, string> _endpointByDestination = [];
    private readonly HashSet<IPNetwork> _blocks = [];
    private readonly Dictionary<IPNetwork, IPAddress[]> _learned = [];
    private readonly HashSet<IPAddress> _localAddresses = [];
    private readonly HashSet<IPNetwork> _dirty = [];
    private readonly Dictionary<IPNetwork, DesiredRoute> _applied = [];
    private readonly Dictionary<IPNetwork, DesiredRoute?> _handedOutOver = [];

    private sealed record EndpointRoutes(string Interface, IPNetwork[] Destinations);

    /// <summary>The node's own addresses: a learned route whose next hop is one of them points back at this node and
    /// is dropped (a route reflector can hand our own prefixes back).</summary>
    public void SetLocalAddresses(IEnumerable<IPAddress> addresses)
    {
        _localAddresses.Clear();
        _localAddresses.UnionWith(addresses);
        _dirty.UnionWith(_learned.Keys);
    }

    /// <summary>Adds or updates a local endpoint (<paramref name="key"/> is its stable identity, e.g. the
    /// WorkloadEndpoint's namespace/name).</summary>
    public void SetEndpoint(string key, string @interface, IEnumerable<IPNetwork> addresses)
    {
        var routes = new EndpointRoutes(@interface, addresses.Select(HostRoute).Distinct().ToArray());
        // Re-reading an unchanged endpoint (every datastore snapshot does) must not mark its routes again.
        if (_endpoints.TryGetValue(key, out var old) && old.Interface == @interface && old.Destinations.SequenceEqual(routes.Destinations))
            return;
        RemoveEndpoint(key);
        _endpoints[key] = routes;
        foreach (var d in routes.Destinations)
        {
            _endpointByDestination[d] = key;
            _dirty.Add(d);
        }
    }

    public IReadOnlyCollection<string> EndpointKeys => _endpoints.Keys;

    /// <summary>Each local endpoint's interface, and whether it carries an IPv6 address (for its sysctls).</summary>
    public IEnumerable<(string Interface, bool V6)> EndpointInterfaces => _endpoints.Values.Select(e =>
        (e.Interface, e.Destinations.Any(d => d.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)));

    public void RemoveEndpoint(string key)
    {
        if (!_endpoints.Remove(key, out var old))
            return;
        foreach (var d in old.Destinations)
        {
            if (_endpointByDestination.TryGetValue(d, out var owner) && owner == key)
                _endpointByDestination.Remove(d);
            _dirty.Add(d);
        }
    }

    /// <summary>Replaces the set of blocks this node is affine to.</summary>
    public void SetBlocks(IEnumerable<IPNetwork> blocks)
    {
        var next = blocks.ToHashSet();
        _dirty.UnionWith(_blocks.Except(next));
        _dirty.UnionWith(next.Except(_blocks));
        _blocks.Clear();
        _blocks.UnionWith(next);
    }

    /// <summary>A Loc-RIB change: no next hops means withdrawn.</summary>
    public void SetLearned(IPNetwork prefix, IReadOnlyList<IPAddress> nextHops)
    {
        if (nextHops.Count == 0)
            _learned.Remove(prefix);
        else
            _learned[prefix] = [.. nextHops];
        _dirty.Add(prefix);
    }

    /// <summary>Forgets every learned route (the speaker restarted its RIB); the destinations become dirty.</summary>
    public void ClearLearned()
    {
        _dirty.UnionWith(_learned.Keys);
        _learned.Clear();
    }

    public int LearnedCount => _learned.Count;

    /// <summary>What the kernel should hold for <paramref name="destination"/>, or null for nothing.
    /// Precedence: a local endpoint, then our own block, then a learned route.</summary>
    public DesiredRoute? Resolve(IPNetwork destination)
    {
        if (_endpointByDestination.TryGetValue(destination, out var key))
            return new DesiredRoute(destination, RouteKind.Endpoint, _endpoints[key].Interface);
        if (_blocks.Contains(destination))
            return new DesiredRoute(destination, RouteKind.Blackhole);
        if (_learned.TryGetValue(destination, out var hops))
        {
            var remote = hops.Where(h => !_localAddresses.Contains(h)).ToArray();
            if (remote.Length > 0)
                return new DesiredRoute(destination, RouteKind.Learned, nextHops: remote);
        }
        return null;
    }

    /// <summary>The destinations changed since the last call: the route each now wants written, or, for one that wants
    /// none, the route last handed out for it, to delete. A destination that never had a route handed out and still
    /// wants none needs nothing (a route a previous process left is the resync's to find).</summary>
    public RoutePlan TakeChanges()
    {
        var upserts = new List<DesiredRoute>();
        var deletes = new List<DesiredRoute>();
        _handedOutOver.Clear();
        foreach (var d in _dirty)
        {
            _handedOutOver[d] = _applied.GetValueOrDefault(d);
            if (Resolve(d) is { } route)
            {
                upserts.Add(route);
                _applied[d] = route;
            }
            else if (_applied.Remove(d, out var old))
            {
                deletes.Add(old);
            }
        }
        _dirty.Clear();
        return new RoutePlan(upserts, deletes);
    }

    /// <summary>A change of the last <see cref="TakeChanges"/> (or of a resync) that did not reach the kernel: the
    /// destination is dirty again. A failed delete leaves <paramref name="route"/> in the kernel, so it is remembered as
    /// applied (the retry deletes it); a failed upsert leaves what the kernel held before, so that is remembered.</summary>
    public void Retry(DesiredRoute route, bool delete)
    {
        var d = route.Destination;
        if (delete)
            _applied[d] = route;
        else if (_handedOutOver.TryGetValue(d, out var before))
        {
            if (before is null)
                _applied.Remove(d);
            else
                _applied[d] = before;
        }
        _dirty.Add(d);
    }

    /// <summary>Destinations changed or retried and not yet handed out.</summary>
    public int PendingCount => _dirty.Count;

    /// <summary>The whole desired table, for a full resync against the kernel.</summary>
    public IReadOnlyDictionary<IPNetwork, DesiredRoute> All()
    {
        var all = new Dictionary<IPNetwork, DesiredRoute>();
        foreach (var d in _endpointByDestination.Keys.Concat(_blocks).Concat(_learned.Keys))
        {
            if (!all.ContainsKey(d) && Resolve(d) is { } r)
                all[d] = r;
        }
        return all;
    }

    private static IPNetwork HostRoute(IPNetwork address)
        => new(address.BaseAddress, address.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
}
