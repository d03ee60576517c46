using System.Net;
using System.Net.Sockets;
using L3Net.Lab;
using L3Net.Netlink;
using L3Net.Testing;
using Xunit;
using Route = L3Net.Netlink.Route;

namespace L3Net.Tests.E2e.Lab;

/// <summary>
/// The dual-tor lab (two racks, two ToRs each, a spine), with BIRD and with FRR: a node installs another rack's pod
/// block as one multipath route over both its ToRs; when the link its flow to the other rack uses is cut silently
/// (the ToR's bridge port drops every frame, see <see cref="LinkFaults"/>, so only the hold timer notices), and then
/// when that link goes down, its route drops to the other ToR, the flow takes that ToR, and the pods on the two racks
/// reach each other again. BFD is off here (the plain BGP path); bench/Failover measures with and without it.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class LabDualTorTests
{
    /// <summary>Hold time 9 s, then the withdrawal; generous for a loaded machine.</summary>
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(40);

    [Theory]
    [InlineData(TorKind.Bird)]
    [InlineData(TorKind.Frr)]
    public async Task A_node_multipaths_over_both_tors_and_a_cut_link_moves_traffic_to_the_other(TorKind tor)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await TestLab.UpAsync(TestLab.Options(Topology.DualTor, tor, LabDatastoreKind.Sqlite, nodes: 3, podsPerNode: 1));
        var ping = await lab.Lab.PingAsync(TimeSpan.FromSeconds(30), ct);
        Assert.True(ping.All(p => p.Ok), "unreachable: " + string.Join(", ", ping.Where(p => !p.Ok).Select(p => $"{p.From.Name}->{p.To.Name}"))
            + "\n" + await lab.DiagnosticsAsync());

        // node1 is in rack 1, node2 in rack 2.
        var from = lab.State.Pods.Single(p => p.Node == "node1");
        var to = lab.State.Pods.Single(p => p.Node == "node2");
        // Cut the link the flow leaves node1 by: a fault on the other one would not touch it.
        var used = await lab.Lab.FlowSideAsync(from, to, ct);
        var cut = lab.Lab.Uplink("node1", used);
        var other = lab.Lab.Uplink("node1", used == TorSide.A ? TorSide.B : TorSide.A);
        using var routes = NetNamespace.OpenSocket(Netns.Path(cut.NodeNamespace));
        string Describe() => $"node1's route to {to.Address}: {RouteTo(routes, to.Address)?.ToString() ?? "(none)"}";

        // One route, both ToRs as its next hops.
        await Eventually.AssertAsync(() => Gateways(routes, to.Address).SetEquals([cut.TorAddress, other.TorAddress]), FailoverTimeout,
            "one multipath route over both ToRs", Describe);
        Assert.Single(routes.ListRoutes(AddressFamily.InterNetwork), r => r.Destination.PrefixLength > 0 && r.Destination.Contains(IPAddress.Parse(to.Address)));

        await LinkFaults.CutAsync(cut, ct);
        await AssertMovesToAsync(other);
        await LinkFaults.HealAsync(cut, ct);
        await Eventually.AssertAsync(() => Gateways(routes, to.Address).Count == 2, FailoverTimeout, "both ToRs back once the cut heals", Describe);

        LinkFaults.SetNodeEnd(cut, up: false);
        await AssertMovesToAsync(other);

        async Task AssertMovesToAsync(NodeUplink survivor)
        {
            await Eventually.AssertAsync(() => Gateways(routes, to.Address).SetEquals([survivor.TorAddress]), FailoverTimeout,
                $"the route left with ToR {survivor.Side} only", Describe);
            Assert.Equal(survivor.Side, await lab.Lab.FlowSideAsync(from, to, ct));
            var after = await PingMatrix.UntilAllOkAsync([(from, to), (to, from)], FailoverTimeout, ct);
            Assert.True(after.All(p => p.Ok), $"{from.Name} and {to.Name} do not reach each other via ToR {survivor.Side}\n{await lab.DiagnosticsAsync()}");
        }
    }

    private static Route? RouteTo(RouteSocket socket, string address)
        => socket.ListRoutes(AddressFamily.InterNetwork)
            .Where(r => r.Destination.PrefixLength > 0 && r.Destination.Contains(IPAddress.Parse(address)))
            .MaxBy(r => r.Destination.PrefixLength);

    /// <summary>The next hops of the most specific route to <paramref name="address"/>: every multipath hop, or the one gateway.</summary>
    private static HashSet<string> Gateways(RouteSocket socket, string address)
        => RouteTo(socket, address) is { } r
            ? [.. (r.NextHops.Count > 0 ? r.NextHops.Select(h => h.Gateway) : [r.Gateway]).OfType<IPAddress>().Select(g => g.ToString())]
            : [];
}
