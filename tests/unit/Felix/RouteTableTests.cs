using System.Net;
using L3Net.Felix.Routes;
using L3Net.Netlink;
using Xunit;

namespace L3Net.Tests.Unit.Felix;

public sealed class RouteTableTests
{
    private static IPNetwork N(string s) => IPNetwork.Parse(s);
    private static IPAddress A(string s) => IPAddress.Parse(s);

    [Fact]
    public void An_endpoint_gives_a_link_route_per_address_and_only_those_destinations_change()
    {
        var t = new RouteTable();
        t.SetBlocks([N("10.244.1.0/26")]);
        t.SetLearned(N("10.244.2.0/26"), [A("10.0.0.2")]);
        t.TakeChanges();

        t.SetEndpoint("default/pod-a", "cali1234567890a", [N("10.244.1.5/32"), N("fd00::5/128")]);
        var changes = t.TakeChanges();

        Assert.Empty(changes.Deletes);
        Assert.Equal(2, changes.Upserts.Count);
        Assert.Contains(new DesiredRoute(N("10.244.1.5/32"), RouteKind.Endpoint, "cali1234567890a"), changes.Upserts);
        Assert.Equal(RouteKind.Endpoint, changes.Upserts.Single(r => r.Destination == N("fd00::5/128")).Kind);
    }

    [Fact]
    public void Removing_an_endpoint_deletes_its_route_as_it_was_applied()
    {
        var t = new RouteTable();
        t.SetEndpoint("ns/p", "cali1", [N("10.244.1.5/32")]);
        t.TakeChanges();
        t.RemoveEndpoint("ns/p");
        var changes = t.TakeChanges();
        Assert.Empty(changes.Upserts);
        Assert.Equal(new DesiredRoute(N("10.244.1.5/32"), RouteKind.Endpoint, "cali1"), Assert.Single(changes.Deletes));
        Assert.Empty(t.All());
    }

    [Fact]
    public void A_removed_route_becomes_exactly_one_delete_of_the_kind_that_was_applied()
    {
        var t = new RouteTable();
        t.SetBlocks([N("10.244.1.0/26")]);
        t.SetLearned(N("10.244.2.0/26"), [A("10.0.0.3"), A("10.0.0.2")]);
        t.SetEndpoint("ns/p", "cali1", [N("10.244.1.5/32")]);
        t.SetEndpoint("ns/gone", "cali9", [N("10.244.1.9/32")]);
        t.TakeChanges();
        t.SetBlocks([]);
        t.SetLearned(N("10.244.2.0/26"), []);
        t.RemoveEndpoint("ns/p");
        t.RemoveEndpoint("ns/gone");
        // Changed back and forth between two applies: never handed out, so nothing to delete.
        t.SetLearned(N("10.244.7.0/26"), [A("10.0.0.2")]);
        t.SetLearned(N("10.244.7.0/26"), []);

        var batch = RouteReconciler.Batch(t.TakeChanges(), new Dictionary<string, int> { ["cali1"] = 7 });

        Assert.All(batch, c => Assert.Equal(RouteOperation.Delete, c.Operation));
        Assert.All(batch, c => Assert.Equal(77, c.Route.Protocol));
        // cali9 is gone, and its route went with it: no delete for it.
        Assert.Equal(3, batch.Count);
        var blackhole = Assert.Single(batch, c => c.Route.Destination == N("10.244.1.0/26")).Route;
        Assert.Equal(RouteType.Blackhole, blackhole.Type);
        var endpoint = Assert.Single(batch, c => c.Route.Destination == N("10.244.1.5/32")).Route;
        Assert.Equal((RouteType.Unicast, 7), (endpoint.Type, endpoint.OutputInterface));
        var learned = Assert.Single(batch, c => c.Route.Destination == N("10.244.2.0/26")).Route;
        Assert.Equal(RouteType.Unicast, learned.Type);
        Assert.Equal([A("10.0.0.2"), A("10.0.0.3")], learned.NextHops.Select(h => h.Gateway));
    }

    [Fact]
    public void An_address_moving_between_endpoints_keeps_the_newer_owner()
    {
        var t = new RouteTable();
        t.SetEndpoint("ns/old", "cali1", [N("10.244.1.5/32")]);
        t.SetEndpoint("ns/new", "cali2", [N("10.244.1.5/32")]);
        t.RemoveEndpoint("ns/old");
        Assert.Equal("cali2", t.Resolve(N("10.244.1.5/32"))!.Interface);
    }

    [Fact]
    public void Own_block_wins_over_the_same_prefix_learned_and_a_learned_route_via_ourselves_is_dropped()
    {
        var t = new RouteTable();
        t.SetLocalAddresses([A("10.0.0.1")]);
        t.SetBlocks([N("10.244.1.0/26")]);
        t.SetLearned(N("10.244.1.0/26"), [A("10.0.0.2")]);
        t.SetLearned(N("10.244.3.0/26"), [A("10.0.0.1")]);
        t.SetLearned(N("10.244.1.7/32"), [A("10.0.0.3")]);

        Assert.Equal(RouteKind.Blackhole, t.Resolve(N("10.244.1.0/26"))!.Kind);
        Assert.Null(t.Resolve(N("10.244.3.0/26")));
        // A borrowed /32 inside our block, owned elsewhere, is more specific than the blackhole and is installed.
        Assert.Equal(RouteKind.Learned, t.Resolve(N("10.244.1.7/32"))!.Kind);
        Assert.Equal(2, t.All().Count);
    }

    [Fact]
    public void Dropping_a_block_falls_back_to_the_learned_route_for_it()
    {
        var t = new RouteTable();
        t.SetBlocks([N("10.244.1.0/26")]);
        t.SetLearned(N("10.244.1.0/26"), [A("10.0.0.2")]);
        t.TakeChanges();
        t.SetBlocks([]);
        var changes = t.TakeChanges();
        Assert.Empty(changes.Deletes);
        Assert.Equal(RouteKind.Learned, Assert.Single(changes.Upserts).Kind);
    }

    [Fact]
    public void Withdrawal_removes_a_learned_route_and_ecmp_next_hops_compare_without_order()
    {
        var t = new RouteTable();
        t.SetLearned(N("10.244.2.0/26"), [A("10.0.0.3"), A("10.0.0.2")]);
        Assert.Equal(new DesiredRoute(N("10.244.2.0/26"), RouteKind.Learned, nextHops: [A("10.0.0.2"), A("10.0.0.3")]),
            t.Resolve(N("10.244.2.0/26")));
        t.SetLearned(N("10.244.2.0/26"), []);
        Assert.Null(t.Resolve(N("10.244.2.0/26")));
    }

    [Fact]
    public void Diff_replaces_what_differs_adds_what_is_missing_and_deletes_only_unwanted_non_endpoint_routes()
    {
        var desired = new Dictionary<IPNetwork, DesiredRoute>
        {
            [N("10.244.2.0/26")] = new(N("10.244.2.0/26"), RouteKind.Learned, nextHops: [A("10.0.0.2")]),
            [N("10.244.1.0/26")] = new(N("10.244.1.0/26"), RouteKind.Blackhole),
            [N("10.244.1.5/32")] = new(N("10.244.1.5/32"), RouteKind.Endpoint, "cali1"),
        };
        DesiredRoute[] actual =
        [
            new(N("10.244.2.0/26"), RouteKind.Learned, nextHops: [A("10.0.0.9")]), // stale next hop
            new(N("10.244.1.0/26"), RouteKind.Blackhole),                          // as wanted
            new(N("10.244.9.0/26"), RouteKind.Learned, nextHops: [A("10.0.0.3")]), // withdrawn while we were away
            new(N("10.244.1.9/32"), RouteKind.Endpoint, "cali9"),                  // a pod being born
        ];

        var plan = RouteDiff.Compute(desired, actual);

        Assert.Equal([N("10.244.2.0/26"), N("10.244.1.5/32")], plan.Upserts.Select(r => r.Destination));
        Assert.Equal(N("10.244.9.0/26"), Assert.Single(plan.Deletes).Destination);
    }

    [Fact]
    public void A_refused_upsert_is_handed_out_again_and_a_later_delete_names_what_the_kernel_still_holds()
    {
        var t = new RouteTable();
        t.SetBlocks([N("10.244.1.0/26")]);
        t.TakeChanges();
        // The blackhole is to become a learned route; the kernel refuses the replace, so it keeps the blackhole.
        t.SetBlocks([]);
        t.SetLearned(N("10.244.1.0/26"), [A("10.0.0.2")]);
        var refused = Assert.Single(t.TakeChanges().Upserts);
        t.Retry(refused, delete: false);

        Assert.Equal(1, t.PendingCount);
        Assert.Equal(refused, Assert.Single(t.TakeChanges().Upserts));
        t.Retry(refused, delete: false);
        t.SetLearned(N("10.244.1.0/26"), []);
        Assert.Equal(RouteKind.Blackhole, Assert.Single(t.TakeChanges().Deletes).Kind);
        Assert.Equal(0, t.PendingCount);
    }

    [Fact]
    public void A_refused_delete_is_handed_out_again()
    {
        var t = new RouteTable();
        t.SetLearned(N("10.244.2.0/26"), [A("10.0.0.2")]);
        t.TakeChanges();
        t.SetLearned(N("10.244.2.0/26"), []);
        var refused = Assert.Single(t.TakeChanges().Deletes);
        t.Retry(refused, delete: true);

        var again = t.TakeChanges();
        Assert.Empty(again.Upserts);
        Assert.Equal(refused, Assert.Single(again.Deletes));
    }
}
