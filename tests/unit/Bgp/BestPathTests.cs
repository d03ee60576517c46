using System.Net;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>RFC 4271 9.1.2.2 steps, each decided by exactly one differing attribute.</summary>
public sealed class BestPathTests
{
    private static AsPath Path(params uint[] asns)
        => new(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>(asns))]));

    private static Candidate Route(string peer, bool ibgp, PathAttributes a, uint routerId = 1)
        => new(new RibSource(IPAddress.Parse(peer), ibgp ? 65000u : a.AsPath.FirstAs ?? 65001, ibgp, false) { RouterId = routerId }, a);

    private static readonly PathAttributes Base = new() { AsPath = Path(65001), NextHop = IPAddress.Parse("10.0.0.1") };

    [Fact]
    public void Higher_local_pref_wins_over_a_shorter_path()
        => Assert.True(BestPath.Compare(Route("10.0.0.1", true, Base with { LocalPref = 200, AsPath = Path(1, 2, 3) }),
            Route("10.0.0.2", true, Base with { LocalPref = 100 })) < 0);

    [Fact]
    public void Shorter_AS_path_wins() => Assert.True(BestPath.Compare(Route("10.0.0.2", false, Base), Route("10.0.0.1", false, Base with { AsPath = Path(65001, 2) })) < 0);

    [Fact]
    public void Lower_origin_wins() => Assert.True(BestPath.Compare(Route("10.0.0.2", false, Base), Route("10.0.0.1", false, Base with { Origin = Origin.Incomplete })) < 0);

    [Fact]
    public void MED_is_compared_only_between_routes_from_the_same_AS()
    {
        Assert.True(BestPath.Compare(Route("10.0.0.2", false, Base with { Med = 1 }), Route("10.0.0.1", false, Base with { Med = 9 })) < 0);
        // Different neighbour AS: MED ignored, the lower router ID decides.
        Assert.True(BestPath.Compare(Route("10.0.0.2", false, Base with { Med = 9, AsPath = Path(65002) }, routerId: 1),
            Route("10.0.0.1", false, Base with { Med = 1 }, routerId: 2)) < 0);
    }

    [Fact]
    public void External_beats_internal_then_router_id_then_peer_address()
    {
        Assert.True(BestPath.Compare(Route("10.0.0.2", false, Base, 9), Route("10.0.0.1", true, Base, 1)) < 0);
        Assert.True(BestPath.Compare(Route("10.0.0.2", true, Base, 1), Route("10.0.0.1", true, Base, 2)) < 0);
        Assert.True(BestPath.Compare(Route("10.0.0.1", true, Base, 1), Route("10.0.0.2", true, Base, 1)) < 0);
    }

    [Fact]
    public void Equal_routes_up_to_the_tie_breakers_are_multipath()
        => Assert.Equal(0, BestPath.CompareForMultipath(Route("10.0.0.1", true, Base, 1), Route("10.0.0.2", true, Base, 2)));
}
