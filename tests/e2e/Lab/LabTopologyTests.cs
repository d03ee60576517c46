using System.Net;
using L3Net.Lab;
using Xunit;

namespace L3Net.Tests.E2e.Lab;

/// <summary>The whole product per topology: real node daemons, real CNI calls, a real BIRD or FRR ToR. Each
/// topology runs with both routers and both datastores across the rows (every topology meets each router and each
/// datastore at least once) without paying for the full cross product.</summary>
[Collection(LabCollection.Name)]
public sealed class LabTopologyTests
{
    [Theory]
    [InlineData(Topology.Tor, TorKind.Bird, LabDatastoreKind.Sqlite)]
    [InlineData(Topology.Tor, TorKind.Frr, LabDatastoreKind.Etcd)]
    [InlineData(Topology.Mesh, TorKind.Bird, LabDatastoreKind.Etcd)]
    [InlineData(Topology.Mesh, TorKind.Frr, LabDatastoreKind.Sqlite)]
    [InlineData(Topology.Rr, TorKind.Bird, LabDatastoreKind.Sqlite)]
    [InlineData(Topology.Rr, TorKind.Frr, LabDatastoreKind.Etcd)]
    public async Task Pods_on_every_node_reach_each_other_and_the_tor_routes_every_block(Topology topology, TorKind tor, LabDatastoreKind datastore)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await TestLab.UpAsync(TestLab.Options(topology, tor, datastore));

        var pods = lab.State.Pods;
        Assert.Equal(6, pods.Count);
        Assert.Equal(pods.Count, pods.Select(p => p.Address).Distinct().Count());
        var ping = await lab.Lab.PingAsync(TimeSpan.FromSeconds(30), ct);
        Assert.True(ping.All(p => p.Ok), "unreachable: " + string.Join(", ", ping.Where(p => !p.Ok).Select(p => $"{p.From.Name}->{p.To.Name}"))
            + "\n" + await lab.DiagnosticsAsync());

        // The ToR learned every pod's block from L3Net: each pod address lies in a route the ToR's kernel holds.
        var routes = (await lab.Lab.StatusAsync(ct)).TorPodRoutes.Select(r => IPNetwork.Parse(r.Split(' ')[0])).ToList();
        foreach (var pod in pods)
            Assert.True(routes.Any(r => r.Contains(IPAddress.Parse(pod.Address))), $"the ToR has no route to {pod.Name} {pod.Address}: {string.Join(", ", routes)}");
    }
}
