using System.Net;
using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// Dual-stack BGP on the node daemon, end to end: two dual-stack nodes (<c>--ipv6-address</c>) each peering with the
/// BIRD ToR twice, an IPv4 session and an IPv6 one (BGPPeers with IPv4 and IPv6 peerIPs, mesh off), one dual-stack pod
/// on each, IPv6 forwarding left off for the daemons to turn on. Each node's IPv6 block must reach the ToR's IPv6 table,
/// the other node's kernel (protocol 77) and carry a ping6 from pod to pod; the IPv6 sessions show in the status report; the last pod's DEL withdraws its IPv6 block.
/// </summary>
public sealed class NodeTorDualStackTests
{
    [Fact]
    public async Task Ipv6_blocks_go_over_ipv6_sessions_to_a_bird_tor_carry_ping6_between_nodes_and_are_withdrawn_on_del()
    {
        await using var f = new NodeFabric();
        var ct = TestContext.Current.CancellationToken;
        for (var i = 1; i <= 2; i++)
        {
            // IPv6 forwarding off: a dual-stack daemon must turn it on itself.
            f.AddNode(i, ipv6: true).Sysctl("net.ipv6.conf.all.forwarding", "0");
        }
        await f.StartTorAsync([(1, 64601u), (2, 64602u)]);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/24", BlockSize = 26 } });
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods6" }, Spec = { Cidr = "fd00:10::/120", BlockSize = 122 } });
        await f.ApplyAsync(new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } });
        for (var i = 1; i <= 2; i++)
        {
            await f.ApplyAsync(new BGPPeer { Metadata = { Name = $"tor{i}" }, Spec = { PeerIp = NodeFabric.TorAddress(i), AsNumber = "65000", Node = $"node{i}" } });
            await f.ApplyAsync(new BGPPeer { Metadata = { Name = $"tor{i}-v6" }, Spec = { PeerIp = $"[{NodeFabric.TorAddress6(i)}]:179", AsNumber = "65000", Node = $"node{i}" } });
            f.StartDaemon(i, 64600u + (uint)i);
        }
        var p1 = await f.AddPodAsync(1, "d1", ipv6: true);
        var p2 = await f.AddPodAsync(2, "d2", ipv6: true);
        string Logs() => string.Join('\n', Enumerable.Range(1, 2).Select(i => $"node{i}:\n{f.DaemonOutput($"node{i}")}")) + $"\nbird:\n{f.Bird!.Routes()}";
        var block1 = p1.Block6!.Value;
        var block2 = p2.Block6!.Value;

        Assert.NotEqual(block1, block2);
        await Eventually.AssertAsync(() => f.TorHas(block1) && f.TorHas(block2) && f.TorHas(p1.Block) && f.TorHas(p2.Block), NodeFabric.Converge,
            "both nodes' IPv6 and IPv4 blocks in the ToR's tables", Logs);
        Assert.True(f.Bird!.IsEstablished("node1_v6") && f.Bird.IsEstablished("node2_v6"), $"the IPv6 sessions are not up\n{Logs()}");
        // The IPv6 block came over the IPv6 session, not as an IPv4-session extra.
        Assert.Contains("node1_v6", f.Bird.Routes(block1.ToString()), StringComparison.Ordinal);
        await Eventually.AssertAsync(() => LearnedOn(f, 2, block1) && LearnedOn(f, 1, block2), NodeFabric.Converge,
            "each node's IPv6 block learned on the other node with proto 77, via the ToR's global address", Logs);
        Assert.True(p1.Host.Ping(p2.Ip6!, 3), $"the pod on node1 cannot ping6 the pod on node2\n{Logs()}");
        Assert.True(p2.Host.Ping(p1.Ip6!, 2), "the pod on node2 cannot ping6 the pod on node1");
        Assert.True(p1.Host.Ping(p2.Ip, 2), "IPv4 between the pods broke");

        var status = await f.StatusAsync(1, ct);
        var v6Peer = Assert.Single(status.Peers, p => p.PeerAddress == NodeFabric.TorAddress6(1));
        Assert.Equal(("node specific", "Established"), (v6Peer.PeerType, v6Peer.State));
        Assert.True(v6Peer.PrefixesAdvertised >= 1, $"node1 advertises nothing over IPv6: {v6Peer.PrefixesAdvertised}");

        // The last pod of node2's IPv6 block goes: the block is given back and the ToR's IPv6 table loses it.
        await f.DeletePodAsync(p2);
        await Eventually.AssertAsync(() => !f.TorHas(block2), TimeSpan.FromSeconds(5), "node2's IPv6 block withdrawn from the ToR", Logs);
        await Eventually.AssertAsync(() => !LearnedOn(f, 1, block2), TimeSpan.FromSeconds(5), "node2's IPv6 block gone from node1's kernel", Logs);
        Assert.True(f.TorHas(block1), "node1's IPv6 block went with node2's");
    }

    /// <summary>Whether node <paramref name="node"/>'s kernel holds <paramref name="prefix"/> as a protocol-77 route via
    /// the ToR's global address on its link.</summary>
    private static bool LearnedOn(NodeFabric f, int node, IPNetwork prefix)
        => f.Nodes[$"node{node}"].Ip("-6", "route", "show", prefix.ToString(), "proto", "77")
            .Contains($"via {NodeFabric.TorAddress6(node)}", StringComparison.Ordinal);
}
