using System.Net;
using L3Net.Lab;
using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Lab;

/// <summary>The lab's own plumbing, without L3Net's daemons: the fabric, the datastore reached from the root
/// namespace (SQLite directly, etcd through the namespace relay), the resources of each topology, the ToR router
/// configured for every node, and a teardown that leaves nothing behind.</summary>
[Collection(LabCollection.Name)]
public sealed class LabFabricTests
{
    [Theory]
    [InlineData(Topology.Tor, TorKind.Bird, LabDatastoreKind.Sqlite)]
    [InlineData(Topology.Rr, TorKind.Frr, LabDatastoreKind.Etcd)]
    public async Task Fabric_datastore_resources_and_tor_come_up_and_go_away_completely(Topology topology, TorKind tor, LabDatastoreKind datastore)
    {
        var ct = TestContext.Current.CancellationToken;
        var options = TestLab.Options(topology, tor, datastore, nodes: 2);
        try
        {
            var lab = await LabController.BuildFabricAsync(options, _ => { }, ct);
            // Nodes share the fabric segment with the ToR: each reaches it and the other directly.
            var node2 = lab.State.Node("node2");
            Assert.True((await Exec.InNetnsAsync(node2.Namespace, "ping", ["-c", "1", "-W", "1", AddressPlan.TorAddress], ct: ct)).Ok);
            Assert.True((await Exec.InNetnsAsync(node2.Namespace, "ping", ["-c", "1", "-W", "1", AddressPlan.NodeAddress(1)], ct: ct)).Ok);
            Assert.DoesNotContain(AddressPlan.FabricPrefix + ".", Exec.Run("ip", "-4", "addr").Stdout);

            await using (var store = LabDatastore.Open(lab.Plan))
            {
                var pools = await store.Resources.ListAsync<IPPool>(ct: ct);
                Assert.Equal(AddressPlan.PoolCidr, Assert.Single(pools.Items).Spec.Cidr);
                var nodes = (await store.Resources.ListAsync<NodeResource>(ct: ct)).Items;
                Assert.Equal(["node1", "node2"], nodes.Select(n => n.Metadata.Name).Order());
                var config = await store.Resources.GetAsync<BGPConfiguration>(BGPConfiguration.DefaultName, ct: ct);
                Assert.Equal(topology == Topology.Mesh, config!.Spec.NodeToNodeMeshEnabled);
                if (topology == Topology.Rr)
                    Assert.Equal(AddressPlan.ClusterId, nodes.Single(n => n.Metadata.Name == "node1").Spec.Bgp!.RouteReflectorClusterId);
            }

            // The ToR knows every node as a neighbor; none is up, since no node speaks BGP yet.
            var sessions = await lab.Tor.SessionsAsync(ct);
            Assert.Equal(["node1", "node2"], sessions.Select(s => s.Name).Order());
            Assert.Contains(sessions, s => s.Neighbor == AddressPlan.NodeAddress(2));
            Assert.DoesNotContain(sessions, s => s.Established);
        }
        finally
        {
            await LabCleanup.DownAsync(options.Name);
        }
        Assert.Empty(Netns.List(options.Name + "-"));
        Assert.False(Directory.Exists(options.StateDir));
    }

    [Fact]
    public async Task The_relay_reaches_a_server_inside_a_namespace_and_nothing_else()
    {
        Requires.Command("busybox");
        const int port = 47071;
        using var net = new TestNetwork();
        var host = net.AddHost("srv");
        using var server = host.Start("sh", ["-c", $"while true; do echo hello | busybox nc -l -p {port} || sleep 1; done"]);
        await using var relay = new NamespaceRelay(host.Namespace, new IPEndPoint(IPAddress.Loopback, port));
        string? reply = null;
        await Eventually.AssertAsync(() =>
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient("127.0.0.1", relay.Port);
                using var reader = new StreamReader(client.GetStream());
                reply = reader.ReadLine();
                return reply == "hello";
            }
            catch (IOException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "a line from the server inside the namespace", () => $"last reply: {reply}");
        // The server's port exists only inside its namespace: without the relay, the root namespace gets nowhere.
        Assert.Throws<System.Net.Sockets.SocketException>(() => new System.Net.Sockets.TcpClient("127.0.0.1", port).Dispose());
    }
}
