using L3Net.Lab;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Unit.Lab;

/// <summary>The dual-tor lab's plan, resources and router configurations, without building it (tests/e2e/Lab builds
/// it and cuts its links).</summary>
public sealed class DualTorPlanTests
{
    private static AddressPlan Plan(int nodes = 3, bool bfd = false)
        => new(new LabOptions { Topology = Topology.DualTor, Nodes = nodes, Bfd = bfd });

    [Theory]
    [InlineData("dual-tor", Topology.DualTor)]
    [InlineData("Dual-Tor", Topology.DualTor)]
    [InlineData("tor", Topology.Tor)]
    [InlineData("rr", Topology.Rr)]
    public void The_topology_flag_takes_each_spelling(string flag, Topology expected)
    {
        Assert.Equal(expected, LabOptions.ParseTopology(flag));
        Assert.Equal(flag.ToLowerInvariant(), LabOptions.Spelling(expected));
    }

    [Theory]
    [InlineData("dualtor")]
    [InlineData("1")]
    [InlineData("")]
    public void An_unknown_topology_is_rejected_naming_the_flag_and_the_choices(string flag)
    {
        var e = Assert.Throws<ArgumentException>(() => LabOptions.ParseTopology(flag));
        Assert.StartsWith("--topology:", e.Message);
        Assert.Contains("dual-tor", e.Message);
    }

    [Fact]
    public void Options_that_cannot_work_are_rejected_naming_the_option()
    {
        Assert.Contains("--topology dual-tor", Assert.Throws<ArgumentException>(() => new LabOptions { Topology = Topology.DualTor, Nodes = 1 }.Validate()).Message);
        Assert.Contains("sqlite", Assert.Throws<ArgumentException>(() => new LabOptions { Topology = Topology.DualTor, Datastore = LabDatastoreKind.Etcd }.Validate()).Message);
        Assert.StartsWith("--bfd", Assert.Throws<ArgumentException>(() => new LabOptions { Bfd = true, Tor = TorKind.Frr }.Validate()).Message);
        new LabOptions { Topology = Topology.DualTor }.Validate();
        new LabOptions { Topology = Topology.DualTor, Bfd = true, Nodes = 2 }.Validate();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(AddressPlan.MaxNodes)]
    public void Nodes_alternate_between_the_racks_and_each_is_wired_to_both_tors_of_its_own(int nodes)
    {
        var plan = Plan(nodes);
        Assert.All(Enumerable.Range(1, AddressPlan.Racks), rack => Assert.Contains(plan.NodeIndexes, i => plan.RackOf(i) == rack));
        var addresses = new List<string>();
        foreach (var i in plan.NodeIndexes)
        {
            var (a, b) = (plan.Uplink(i, TorSide.A), plan.Uplink(i, TorSide.B));
            Assert.Equal(plan.Namespace($"r{plan.RackOf(i)}a"), a.TorNamespace);
            Assert.Equal(plan.Namespace($"r{plan.RackOf(i)}b"), b.TorNamespace);
            Assert.Equal(("eth0", "eth1"), (a.NodeDevice, b.NodeDevice));
            // The two links are two subnets: each session leaves by its own link.
            Assert.NotEqual(Subnet(a.NodeAddress), Subnet(b.NodeAddress));
            Assert.Equal((Subnet(a.NodeAddress), Subnet(b.NodeAddress)), (Subnet(a.TorAddress), Subnet(b.TorAddress)));
            Assert.Equal(a.NodeAddress, plan.NodeAddressOf(i));
            addresses.AddRange([a.NodeAddress, b.NodeAddress]);
        }
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
    }

    private static string Subnet(string address) => address[..address.LastIndexOf('.')];

    [Fact]
    public void The_spine_peers_with_every_tor_and_each_tor_with_its_rack_and_the_spine_in_the_rack_as()
    {
        var plan = Plan();
        var routers = plan.Routers.ToDictionary(r => r.Name);
        Assert.Equal(["spine", "r1a", "r1b", "r2a", "r2b"], plan.Routers.Select(r => r.Name));
        Assert.Same(plan.Routers[0].Name, plan.CoreRouter.Name);
        Assert.Equal(["r1a", "r1b", "r2a", "r2b"], routers["spine"].Neighbors.Select(n => n.Name));
        Assert.Equal(["node1", "node3", "spine"], routers["r1a"].Neighbors.Select(n => n.Name));
        Assert.Equal(["node2", "spine"], routers["r2b"].Neighbors.Select(n => n.Name));
        Assert.Equal(routers["r1a"].As, routers["r1b"].As);
        Assert.NotEqual(routers["r1a"].As, routers["r2a"].As);
        Assert.Equal(AddressPlan.TorAs, routers["spine"].As);
        // Every router-to-router session is configured on both ends, each naming the other's AS.
        foreach (var router in plan.Routers)
        foreach (var peer in router.Neighbors.Where(n => routers.ContainsKey(n.Name)))
            Assert.Contains(routers[peer.Name].Neighbors, back => back.Name == router.Name && back.As == router.As && peer.As == routers[peer.Name].As);
        // The nodes keep their own AS, none equal to a router's.
        Assert.DoesNotContain(plan.NodeIndexes.Select(plan.NodeAs), plan.Routers.Select(r => r.As).Contains);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_rack_gets_a_peering_per_tor_from_the_link_address_with_bfd_when_asked(bool bfd)
    {
        var plan = Plan(bfd: bfd);
        var resources = LabResources.For(plan);
        var peers = resources.OfType<BGPPeer>().ToList();
        Assert.Equal(["rack1-tor-a", "rack1-tor-b", "rack2-tor-a", "rack2-tor-b"], peers.Select(p => p.Metadata.Name));
        Assert.All(peers, p => Assert.Equal("None", p.Spec.SourceAddress));
        Assert.All(peers, p => Assert.Equal(bfd, p.Spec.Bfd?.Enabled ?? false));
        var r2b = peers.Single(p => p.Metadata.Name == "rack2-tor-b");
        Assert.Equal(("10.0.4.1", "rack == 'r2'", AddressPlan.RackAs(2).ToString()), (r2b.Spec.PeerIp, r2b.Spec.NodeSelector, r2b.Spec.AsNumber));
        var nodes = resources.OfType<NodeResource>().ToDictionary(n => n.Metadata.Name);
        Assert.Equal(["r1", "r2", "r1"], new[] { "node1", "node2", "node3" }.Select(n => nodes[n].Metadata.Labels["rack"]));
        Assert.False(resources.OfType<BGPConfiguration>().Single().Spec.NodeToNodeMeshEnabled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BIRD_runs_bfd_toward_the_nodes_only_and_merges_equal_paths(bool bfd)
    {
        var plan = Plan(bfd: bfd);
        var r1a = new BirdTor(plan.Routers.Single(r => r.Name == "r1a"), "/tmp/x").Config();
        Assert.Contains("merge paths on", r1a);
        Assert.Contains($"local as {AddressPlan.RackAs(1)};", r1a);
        Assert.Equal(bfd, r1a.Contains("protocol bfd"));
        Assert.Equal(bfd ? 2 : 0, r1a.Split('\n').Count(l => l.Contains("bfd on;")));
        Assert.DoesNotContain("bfd on", r1a.Split('\n').Single(l => l.StartsWith("protocol bgp spine")));
        var spine = new BirdTor(plan.CoreRouter, "/tmp/x").Config();
        Assert.DoesNotContain("bfd", spine);
        Assert.Contains("protocol bgp r2b from peer { neighbor 10.0.104.2 as 65102;", spine);
    }

    [Fact]
    public void FRR_installs_equal_paths_as_one_multipath_route()
        => Assert.Contains("maximum-paths 8", new FrrTor(Plan().CoreRouter, "/tmp/x").Config());

    [Fact]
    public void The_single_tor_topologies_keep_one_router_peering_with_every_node()
    {
        var plan = new AddressPlan(new LabOptions { Nodes = 2 });
        var tor = Assert.Single(plan.Routers);
        Assert.Equal((plan.TorNamespace, AddressPlan.TorAddress), (tor.Namespace, tor.RouterId));
        Assert.Equal([AddressPlan.NodeAddress(1), AddressPlan.NodeAddress(2)], tor.Neighbors.Select(n => n.Address));
        Assert.Equal(AddressPlan.NodeAddress(2), plan.NodeAddressOf(2));
    }
}
