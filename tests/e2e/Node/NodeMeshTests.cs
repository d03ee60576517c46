using L3Net.Model.Resources;
using L3Net.Model.Status;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>Three nodes without a ToR: the default iBGP full mesh, and the same with node2 as route reflector
/// (clients then peer only with it). Peers are checked through the status socket, reachability with ping.</summary>
public sealed class NodeMeshTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pods_on_the_outer_nodes_reach_each_other_over_the_mesh_or_through_a_route_reflector(bool reflector)
    {
        await using var f = new NodeFabric();
        var ct = TestContext.Current.CancellationToken;
        for (var i = 1; i <= 3; i++)
            f.AddSwitchedNode(i);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/16", BlockSize = 26 } });
        if (reflector)
        {
            var rr = new NodeResource { Metadata = { Name = "node2" } };
            rr.Spec.Bgp = new NodeBgpSpec { Ipv4Address = "10.0.0.2/24", RouteReflectorClusterId = "10.0.0.2" };
            await f.ApplyAsync(rr);
        }
        for (var i = 1; i <= 3; i++)
            f.StartDaemon(i);
        var pod1 = await f.AddPodAsync(1, "m1");
        var pod3 = await f.AddPodAsync(3, "m3");
        string Logs() => string.Join('\n', Enumerable.Range(1, 3).Select(i => $"node{i}:\n{f.DaemonOutput($"node{i}")}"));

        await Eventually.AssertAsync(() => pod1.Host.Ping(pod3.Ip, 1), NodeFabric.Converge, "pod on node1 reaching pod on node3", Logs);
        var expected = reflector ? new[] { "10.0.0.2" } : ["10.0.0.2", "10.0.0.3"];
        var deadline = DateTime.UtcNow + NodeFabric.Converge;
        NodeStatusReport status;
        while (true)
        {
            status = await f.StatusAsync(1, ct);
            if (status.Peers.Count == expected.Length && status.Peers.All(p => p.State == "Established"))
                break;
            Assert.True(DateTime.UtcNow < deadline, $"node1's sessions never all came up: {string.Join(", ", status.Peers.Select(p => $"{p.PeerAddress} {p.State}"))}\n{Logs()}");
            await Task.Delay(200, ct);
        }
        Assert.Equal(expected, status.Peers.Select(p => p.PeerAddress).Order());
        Assert.All(status.Peers, p => Assert.Equal("node-to-node mesh", p.PeerType));
        Assert.Equal("64512", status.AsNumber);
    }
}
