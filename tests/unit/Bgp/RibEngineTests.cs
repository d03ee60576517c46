using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>The RIB's decisions over its one prefix table: winners as candidates come and go, the Loc-RIB change
/// stream, multipath, graceful-restart stale routes and source removal, with the per-source counts node status shows.</summary>
public sealed class RibEngineTests
{
    private static readonly Prefix P = Prefix.Parse("10.1.0.0/24"), Q = Prefix.Parse("10.2.0.0/24"), V6 = Prefix.Parse("fd00:1::/64");

    private static PathAttributes Route(string nextHop, params uint[] path) => new()
    {
        NextHop = IPAddress.Parse(nextHop),
        AsPath = new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>(path))])),
    };

    private static RibSource Ebgp(string address, uint asn, uint routerId) => new(IPAddress.Parse(address), asn, ibgp: false, routeReflectorClient: false) { RouterId = routerId };

    private static List<(string Prefix, string Hops)> Drain(RibEngine rib)
    {
        var changes = new List<(string, string)>();
        while (rib.Changes.TryRead(out var c))
            changes.Add((c.Prefix.ToString(), string.Join(',', c.NextHops)));
        return changes;
    }

    [Fact]
    public void The_better_route_wins_and_the_other_takes_over_when_it_is_withdrawn()
    {
        var rib = new RibEngine(multipath: false);
        var a = Ebgp("10.0.0.1", 65001, 1);
        var b = Ebgp("10.0.0.2", 65002, 2);
        rib.AddSource(a);
        rib.AddSource(b);
        var shortPath = Route("10.0.0.2", 65002);
        rib.Announce(a, P, Route("10.0.0.1", 65001, 64999));
        rib.Announce(b, P, shortPath);
        Assert.Same(shortPath, rib.Best(P));
        Assert.Equal([("10.1.0.0/24", "10.0.0.1"), ("10.1.0.0/24", "10.0.0.2")], Drain(rib));

        rib.Withdraw(b, P);
        Assert.Equal([("10.1.0.0/24", "10.0.0.1")], Drain(rib));
        rib.Withdraw(a, P);
        Assert.Equal([("10.1.0.0/24", "")], Drain(rib));
        Assert.Null(rib.Best(P));
        Assert.Equal(0, rib.LocRibCount);
        Assert.Equal((0, 0), (a.Accepted, b.Accepted));
    }

    [Fact]
    public void A_losing_candidate_or_a_repeated_announcement_changes_nothing_downstream()
    {
        var rib = new RibEngine(multipath: false);
        var a = Ebgp("10.0.0.1", 65001, 1);
        var b = Ebgp("10.0.0.2", 65002, 2);
        rib.AddSource(a);
        rib.AddSource(b);
        var best = Route("10.0.0.1", 65001);
        rib.Announce(a, P, best);
        Drain(rib);
        rib.Announce(a, P, best);
        rib.Announce(b, P, Route("10.0.0.2", 65002, 1, 2));
        rib.Withdraw(b, P);
        rib.Withdraw(b, Q);
        Assert.Empty(Drain(rib));
        Assert.Equal((1, 0), (a.Accepted, b.Accepted));
    }

    [Fact]
    public void Equal_routes_share_the_prefix_as_multipath_until_one_goes()
    {
        var rib = new RibEngine(multipath: true);
        var a = Ebgp("10.0.0.1", 65001, 1);
        var b = Ebgp("10.0.0.2", 65001, 2);
        var c = Ebgp("10.0.0.3", 65001, 3);
        rib.AddSource(a);
        rib.AddSource(b);
        rib.AddSource(c);
        rib.Announce(b, P, Route("10.0.0.2", 65001));
        rib.Announce(a, P, Route("10.0.0.1", 65001));
        rib.Announce(c, P, Route("10.0.0.3", 65001, 7)); // longer path: not equal
        Assert.Equal([("10.1.0.0/24", "10.0.0.2"), ("10.1.0.0/24", "10.0.0.1,10.0.0.2")], Drain(rib));

        rib.Withdraw(a, P);
        Assert.Equal([("10.1.0.0/24", "10.0.0.2")], Drain(rib));
        rib.Withdraw(b, P);
        Assert.Equal([("10.1.0.0/24", "10.0.0.3")], Drain(rib));
    }

    [Fact]
    public void Stale_routes_not_announced_again_are_swept_per_family()
    {
        var rib = new RibEngine(multipath: false);
        var a = new RibSource(IPAddress.Parse("fd00::1"), 65001, ibgp: false, routeReflectorClient: false);
        rib.AddSource(a);
        rib.Announce(a, P, Route("10.0.0.1", 65001));
        rib.Announce(a, Q, Route("10.0.0.1", 65001));
        rib.Announce(a, V6, Route("fd00::1", 65001));
        Drain(rib);

        Assert.Equal(3, rib.MarkStale(a));
        rib.Announce(a, Q, Route("10.0.0.9", 65001)); // re-announced: no longer stale
        rib.SweepStale(a, Afi.IPv4);
        Assert.Equal([("10.2.0.0/24", "10.0.0.9"), ("10.1.0.0/24", "")], Drain(rib));
        Assert.Equal((2, 1), (a.Accepted, a.Stale));
        Assert.NotNull(rib.Best(V6));

        rib.SweepStale(a);
        Assert.Equal([("fd00:1::/64", "")], Drain(rib));
        Assert.Equal((1, 0), (a.Accepted, a.Stale));
    }

    [Fact]
    public void A_stale_route_announced_again_with_the_same_attributes_is_kept()
    {
        var rib = new RibEngine(multipath: false);
        var a = Ebgp("10.0.0.1", 65001, 1);
        rib.AddSource(a);
        var route = Route("10.0.0.1", 65001);
        rib.Announce(a, P, route);
        rib.MarkStale(a);
        rib.Announce(a, P, route);
        rib.SweepStale(a);
        Assert.Same(route, rib.Best(P));
        Assert.Equal(0, a.Stale);
    }

    [Fact]
    public void Removing_a_source_withdraws_its_routes_and_frees_its_id()
    {
        var rib = new RibEngine(multipath: false);
        var a = Ebgp("10.0.0.1", 65001, 1);
        var b = Ebgp("10.0.0.2", 65002, 2);
        rib.AddSource(a);
        rib.AddSource(b);
        for (var i = 0; i < 5000; i++)
            rib.Announce(a, Prefix.Create(Afi.IPv4, [10, (byte)(i >> 8), (byte)i, 0], 24), Route("10.0.0.1", 65001));
        rib.Announce(b, P, Route("10.0.0.2", 65002, 9, 9));
        Drain(rib);

        rib.RemoveSource(a);
        var changes = Drain(rib);
        Assert.Equal(5000, changes.Count);
        Assert.Contains(("10.1.0.0/24", "10.0.0.2"), changes);
        Assert.Equal(4999, changes.Count(c => c.Hops == ""));
        Assert.Equal(1, rib.LocRibCount);

        var c = Ebgp("10.0.0.3", 65003, 3);
        rib.AddSource(c);
        Assert.Equal(a.Id, c.Id);
        rib.Announce(c, P, Route("10.0.0.3", 65003));
        Assert.Equal([("10.1.0.0/24", "10.0.0.3")], Drain(rib));
    }

    [Fact]
    public void Our_own_prefix_wins_and_is_not_reported_as_learned()
    {
        var rib = new RibEngine(multipath: false);
        var local = RibSource.Local(IPAddress.Parse("10.0.0.9"), 65009);
        var a = Ebgp("10.0.0.1", 65001, 1);
        rib.AddSource(local);
        rib.AddSource(a);
        rib.Announce(a, P, Route("10.0.0.1", 65001));
        rib.Announce(local, P, new PathAttributes());
        rib.Announce(local, Q, new PathAttributes());
        Assert.Equal([("10.1.0.0/24", "10.0.0.1"), ("10.1.0.0/24", "")], Drain(rib));
        Assert.Empty(rib.Snapshot());

        rib.Withdraw(local, P);
        rib.Withdraw(local, Q);
        Assert.Equal([("10.1.0.0/24", "10.0.0.1")], Drain(rib));
        Assert.Equal("10.1.0.0/24 via 10.0.0.1", string.Join(';', rib.Snapshot().Select(r => $"{r.Prefix} via {string.Join(',', r.NextHops)}")));
    }

    [Fact]
    public void A_prefix_announced_by_hundreds_of_sources_picks_the_best_of_all()
    {
        // A service address advertised by every node of a large cluster, seen by a route reflector.
        var rib = new RibEngine(multipath: false);
        var sources = Enumerable.Range(0, 300).Select(i => Ebgp($"10.0.{i >> 8}.{i & 255}", 65001, (uint)(1000 - i))).ToArray();
        foreach (var s in sources)
            rib.AddSource(s);
        var best = Route("10.0.1.34", 65001);
        for (var i = 0; i < sources.Length; i++)
            rib.Announce(sources[i], P, i == 290 ? best : Route($"10.0.{i >> 8}.{i & 255}", 65001, 7));
        Assert.Same(best, rib.Best(P));
        rib.Withdraw(sources[290], P);
        Assert.Equal("10.0.1.43", rib.Snapshot().Single().NextHops.Single().ToString()); // then the lowest router ID: the last source
    }
}
