using System.Net;
using System.Net.Sockets;
using L3Net.Bgp.Policy;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using L3Net.Tests.Bgp;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>The export filter in the update group (BGPPeer <c>filters</c>' exportV4/V6), and its change on a live
/// session: the member moves to the group of its new policy and is sent exactly the difference.</summary>
public sealed class ExportFilterTests
{
    private const uint LocalAs = 65000;

    private static RouteFilter Filter(string cidr, FilterAction action, bool learnedOnly = false) => new(
    [
        new FilterRule { Family = AddressFamily.InterNetwork, Cidr = IPNetwork.Parse(cidr), Match = PrefixMatch.In, LearnedOnly = learnedOnly, Action = action },
    ]);

    private static UpdateGroup Tor(RouteFilter filter, bool keepNextHop = false) => new(new ExportKey(Ibgp: false, 65001, IPAddress.Parse("10.0.0.2"),
        RouteReflectorClient: false, KeepOriginalNextHop: keepNextHop, Export: filter), LocalAs, clusterId: null, new object());

    private static readonly RibSource Local = RibSource.Local(IPAddress.Parse("10.0.0.2"), LocalAs);
    private static readonly RibSource Mesh = new(IPAddress.Parse("10.0.0.3"), LocalAs, ibgp: true, routeReflectorClient: false);

    [Fact]
    public void Reject_keeps_back_our_own_prefix_and_no_match_leaves_the_default()
    {
        var tor = Tor(Filter("10.244.0.0/16", FilterAction.Reject));
        var ours = new Candidate(Local, new PathAttributes());
        Assert.Null(tor.Select(Prefix.Parse("10.244.1.0/26"), ours));
        Assert.NotNull(tor.Select(Prefix.Parse("10.96.0.0/12"), ours));
    }

    [Fact]
    public void Accept_sends_a_learned_route_the_default_keeps_back_with_keepOriginalNextHop_keeping_its_next_hop()
    {
        var learned = new Candidate(Mesh, new PathAttributes { NextHop = IPAddress.Parse("10.0.0.3"), LocalPref = 100 });
        var prefix = Prefix.Parse("10.244.2.0/26");
        Assert.Null(Tor(RouteFilter.None).Select(prefix, learned)); // no transit by default

        var self = Tor(Filter("10.244.0.0/16", FilterAction.Accept, learnedOnly: true)).Select(prefix, learned)?.Attributes;
        var kept = Tor(Filter("10.244.0.0/16", FilterAction.Accept, learnedOnly: true), keepNextHop: true).Select(prefix, learned)?.Attributes;

        Assert.Equal(IPAddress.Parse("10.0.0.2"), self?.NextHop);
        Assert.Equal(IPAddress.Parse("10.0.0.3"), kept?.NextHop);
        Assert.Equal([LocalAs], kept!.AsPath.Segments.Span[0].Asns.Span.ToArray());
        Assert.Null(kept.LocalPref);
    }

    [Fact]
    public void Accept_does_not_send_an_iBGP_route_to_an_iBGP_peer_that_is_no_reflection_client()
    {
        var mesh = new UpdateGroup(new ExportKey(Ibgp: true, LocalAs, IPAddress.Parse("10.0.0.2"), RouteReflectorClient: false,
            KeepOriginalNextHop: false, Export: Filter("0.0.0.0/0", FilterAction.Accept)), LocalAs, clusterId: null, new object());
        var learned = new Candidate(Mesh, new PathAttributes { NextHop = IPAddress.Parse("10.0.0.3") });
        Assert.Null(mesh.Select(Prefix.Parse("10.244.2.0/26"), learned));
    }

    [Fact]
    public void A_member_moved_to_a_filtered_group_gets_the_withdrawals_and_then_follows_its_new_policy()
    {
        var h = new RibHarness();
        var open = h.Group(RibHarness.ClientKey());
        var filtered = h.Group(RibHarness.ClientKey() with { Export = Filter("10.1.0.0/16", FilterAction.Reject) });
        var moving = h.Join(open, 1);
        var staying = h.Join(open, 2);
        h.Set(h.Local, RibHarness.Range(1, 0, 40), med: 5);
        h.Set(h.Local, RibHarness.Range(2, 0, 10), med: 5);
        moving.Pull();
        staying.Pull();
        Assert.Equal(50, moving.Routes.Count);

        open.MoveTo(moving.Member, filtered, h.Engine);
        moving.Pull();
        staying.Pull();

        Assert.Equal(RibHarness.Range(2, 0, 10).ToHashSet(), moving.Routes.Keys.ToHashSet());
        Assert.Equal(50, staying.Routes.Count);
        Assert.Same(filtered, moving.Member.Group);

        // After the move the member rejoins its new group's stream and gets only what that policy lets through.
        h.Set(h.Local, RibHarness.Range(1, 100, 5).Concat(RibHarness.Range(2, 100, 5)), med: 7);
        moving.Pull();
        staying.Pull();
        Assert.Equal(15, moving.Routes.Count);
        Assert.DoesNotContain(moving.Routes.Keys, p => Prefix.Parse("10.1.0.0/16").Contains(p));
        Assert.Equal(60, staying.Routes.Count);
    }

    [Fact]
    public void Moving_back_to_no_filter_announces_what_the_filter_had_kept_back_and_resends_nothing_else()
    {
        var h = new RibHarness();
        var open = h.Group(RibHarness.ClientKey());
        var filtered = h.Group(RibHarness.ClientKey() with { Export = Filter("10.1.0.0/16", FilterAction.Reject) });
        var member = h.Join(filtered, 1);
        h.Set(h.Local, RibHarness.Range(1, 0, 4).Concat(RibHarness.Range(2, 0, 4)), med: 5);
        member.Pull();
        Assert.Equal(4, member.Routes.Count);
        var before = member.Chunks.Count;

        filtered.MoveTo(member.Member, open, h.Engine);
        member.Routes.Clear(); // what arrives from here on
        member.Pull();

        Assert.Equal(RibHarness.Range(1, 0, 4).ToHashSet(), member.Routes.Keys.ToHashSet());
        Assert.True(member.Chunks.Count > before);
    }
}
