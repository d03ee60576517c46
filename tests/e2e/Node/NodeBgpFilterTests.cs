using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// Issue 16 (4): Calico's BGPFilter on a live session, seen from a real BIRD top-of-rack router peering with the real
/// <c>l3net-node</c>. The ToR announces two prefixes; the node announces its block. Naming a BGPFilter in the BGPPeer's
/// <c>filters</c> takes the block out of the ToR's table (export) and one ToR prefix out of the node's kernel (import),
/// and dropping the filter brings both back, the import one without BIRD sending it again (the node kept it aside);
/// then a community added by BGPConfiguration prefixAdvertisements reaches BIRD. The session is the same throughout,
/// on both sides.
/// </summary>
public sealed class NodeBgpFilterTests
{
    [Fact]
    public async Task A_filter_named_by_a_live_peer_withdraws_and_restores_routes_both_ways_without_a_session_reset()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = new NodeFabric();
        f.AddNode(1);
        await f.StartTorAsync([(1, 64601u)], extra: """
            protocol static tor_routes { ipv4; route 192.0.2.0/24 blackhole; route 198.51.100.0/24 blackhole; }

            """);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/25", BlockSize = 26 } });
        await f.ApplyAsync(new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } });
        BGPPeer Peer(params string[] filters) => new()
        {
            Metadata = { Name = "tor1" },
            Spec = { PeerIp = NodeFabric.TorAddress(1), AsNumber = "65000", Node = "node1", Filters = filters.Length == 0 ? null : [.. filters] },
        };
        await f.ApplyAsync(Peer());
        f.StartDaemon(1, 64601u);
        var pod = await f.AddPodAsync(1, "p1");
        bool NodeHas(string prefix) => f.Nodes["node1"].Ip("route", "show", "proto", "77").Contains(prefix, StringComparison.Ordinal);
        string Logs() => $"node1:\n{f.DaemonOutput("node1")}\nbird:\n{f.Bird!.Routes()}\n{f.Bird.Protocol("node1")}\n"
                         + $"node1 routes:\n{f.Nodes["node1"].Ip("route", "show", "proto", "77")}";

        await Eventually.AssertAsync(() => f.TorHas(pod.Block) && NodeHas("192.0.2.0/24") && NodeHas("198.51.100.0/24"),
            NodeFabric.Converge, "the block at the ToR and both ToR prefixes on the node", Logs);
        var session = await SessionAsync(f, ct);

        await f.ApplyAsync(new BGPFilter
        {
            Metadata = { Name = "tor-policy" },
            Spec =
            {
                ExportV4 = [new BGPFilterRule { Action = "Reject", MatchOperator = "In", Cidr = "10.244.0.0/16", PrefixLength = new() { Min = 26 } }],
                ImportV4 = [new BGPFilterRule { Action = "Reject", MatchOperator = "Equal", Cidr = "192.0.2.0/24" }],
            },
        });
        await f.ApplyAsync(Peer("tor-policy"));
        await Eventually.AssertAsync(() => !f.TorHas(pod.Block) && !NodeHas("192.0.2.0/24"), NodeFabric.Converge,
            "the block withdrawn from the ToR and 192.0.2.0/24 gone from the node", Logs);
        Assert.True(NodeHas("198.51.100.0/24"), $"the import filter took a prefix it does not match\n{Logs()}");
        Assert.Equal(session, await SessionAsync(f, ct));

        await f.ApplyAsync(Peer());
        await Eventually.AssertAsync(() => f.TorHas(pod.Block) && NodeHas("192.0.2.0/24"), NodeFabric.Converge,
            "the block and 192.0.2.0/24 back once the peer names no filter", Logs);
        Assert.Equal(session, await SessionAsync(f, ct));

        // Communities per prefix (BGPConfiguration prefixAdvertisements) change on the live session too.
        await f.ApplyAsync(new BGPConfiguration
        {
            Metadata = { Name = BGPConfiguration.DefaultName },
            Spec =
            {
                NodeToNodeMeshEnabled = false,
                Communities = [new Community { Name = "rack", Value = "65001:100" }],
                PrefixAdvertisements = [new PrefixAdvertisement { Cidr = "10.244.0.0/24", Communities = ["rack"] }],
            },
        });
        await Eventually.AssertAsync(() => f.Bird!.Routes(pod.Block.ToString()).Contains("(65001,100)", StringComparison.Ordinal),
            NodeFabric.Converge, "the block re-announced with its community", Logs);
        Assert.Equal(session, await SessionAsync(f, ct));
    }

    /// <summary>The session as both ends date it: BIRD's protocol line (state and since) and the node's Established
    /// since. A reset changes both.</summary>
    private static async Task<(string Bird, DateTimeOffset Node)> SessionAsync(NodeFabric f, CancellationToken ct)
    {
        var line = f.Bird!.Birdc("show", "protocols", "node1").Split('\n').Single(l => l.StartsWith("node1", StringComparison.Ordinal));
        Assert.Contains("Established", line);
        var peer = Assert.Single((await f.StatusAsync(1, ct)).Peers);
        Assert.Equal("Established", peer.State);
        return (line.Trim(), peer.Since);
    }
}
