using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// BFD beside BGP on the real daemon: a node peering eBGP with a BIRD ToR that runs <c>bfd on</c> (100 ms x 3) and
/// announces a route. A cut link takes the BGP session down and the learned route out of the node's kernel by BFD,
/// long before the 90 s hold time would have; the restored link brings BFD Up and lets BGP re-establish.
/// </summary>
public sealed class NodeBfdTests
{
    private const string TorRoute = "192.168.50.0/24";
    /// <summary>Far below the 90 s hold time: only BFD can take the session down this fast.</summary>
    private static readonly TimeSpan BfdBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_cut_link_takes_the_BGP_session_and_its_routes_down_by_BFD_and_the_restored_link_brings_them_back()
    {
        await using var f = new NodeFabric();
        var node = f.AddNode(1);
        await f.StartTorAsync([(1, 64601u)], bfd: true, extra: $$"""
            protocol static { ipv4; route {{TorRoute}} blackhole; }

            """);
        await f.ApplyAsync(new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } });
        await f.ApplyAsync(new BGPPeer
        {
            Metadata = { Name = "tor1" },
            Spec = { PeerIp = NodeFabric.TorAddress(1), AsNumber = "65000", Bfd = new BgpBfdSpec { Enabled = true, MinRxMs = 100, MinTxMs = 100 } },
        });
        f.StartDaemon(1, 64601u);
        var ct = TestContext.Current.CancellationToken;
        string Logs() => $"node1:\n{f.DaemonOutput("node1")}\nbird:\n{f.Bird!.Birdc("show", "protocols")}{f.Bird.Birdc("show", "bfd", "sessions")}";
        // The status socket as l3netctl node status reads it; null until the daemon serves it.
        string? BfdState()
        {
            try { return f.StatusAsync(1, ct).GetAwaiter().GetResult().Peers.SingleOrDefault()?.Bfd?.State; }
            catch (HttpRequestException) { return null; }
        }
        bool Learned() => node.Ip("route", "show", "proto", "77").Contains(TorRoute, StringComparison.Ordinal);

        await Eventually.AssertAsync(() => f.Bird!.IsEstablished("node1") && Learned(), NodeFabric.Converge, "BGP up and the ToR's route learned", Logs);
        await Eventually.AssertAsync(() => BfdState() == "Up", NodeFabric.Converge, "BFD Up in the status report", Logs);
        var bfd = (await f.StatusAsync(1, ct)).Peers.Single().Bfd!;
        Assert.Equal((100, 100, 3, 100.0, 300.0), (bfd.MinRxMs, bfd.MinTxMs, bfd.Multiplier, bfd.TransmitIntervalMs, bfd.DetectionTimeMs));

        f.Tor.Ip("link", "set", "node1", "down");
        await Eventually.AssertAsync(() => f.DaemonOutput("node1").Contains($"BFD to {NodeFabric.TorAddress(1)} went Down (ControlDetectionTimeExpired)"),
            BfdBound, "the node seeing BFD Down", Logs);
        await Eventually.AssertAsync(() => !Learned(), BfdBound, "the ToR's route withdrawn from the node's kernel", Logs);
        var down = (await f.StatusAsync(1, ct)).Peers.Single();
        Assert.NotEqual("Established", down.State);
        Assert.Equal("Down", down.Bfd!.State);
        Assert.Contains("BFD Down", f.DaemonOutput("node1"));

        f.Tor.Ip("link", "set", "node1", "up");
        await Eventually.AssertAsync(() => BfdState() == "Up", NodeFabric.Converge, "BFD Up again", Logs);
        await Eventually.AssertAsync(() => f.Bird!.IsEstablished("node1") && Learned(), NodeFabric.Converge, "BGP re-established and the route back", Logs);
    }
}
