using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// Issue 18: the BGP fields a Calico user sets do what they say, seen from a real BIRD top-of-rack router peering
/// with the real <c>l3net-node</c>: BGPConfiguration <c>listenPort</c> (the node listens there, and BIRD connects
/// there), <c>communities</c> + <c>prefixAdvertisements</c> (standard and large communities on the node's block, a
/// name and a literal), and BGPPeer <c>holdTime</c> (the hold time BIRD negotiated with us).
/// </summary>
public sealed class NodeTorBgpFieldsTests
{
    private const int ListenPort = 1790;

    [Fact]
    public async Task Listen_port_communities_and_hold_time_reach_a_bird_tor()
    {
        await using var f = new NodeFabric();
        f.AddNode(1);
        await f.StartTorAsync([(1, 64601u)], nodePort: ListenPort);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/25", BlockSize = 26 } });
        await f.ApplyAsync(new BGPConfiguration
        {
            Metadata = { Name = BGPConfiguration.DefaultName },
            Spec =
            {
                NodeToNodeMeshEnabled = false,
                ListenPort = ListenPort,
                Communities = [new Community { Name = "rack", Value = "65001:100" }],
                PrefixAdvertisements = [new PrefixAdvertisement { Cidr = "10.244.0.0/24", Communities = ["rack", "65001:7:8"] }],
            },
        });
        await f.ApplyAsync(new BGPPeer
        {
            Metadata = { Name = "tor1" },
            Spec = { PeerIp = NodeFabric.TorAddress(1), AsNumber = "65000", Node = "node1", HoldTime = "9s", KeepaliveTime = "3s" },
        });
        f.StartDaemon(1, 64601u);
        var pod = await f.AddPodAsync(1, "p1");
        string Logs() => $"node1:\n{f.DaemonOutput("node1")}\nbird:\n{f.Bird!.Routes()}\n{f.Bird.Birdc("show", "protocols", "all", "node1")}";

        await Eventually.AssertAsync(() => f.TorHas(pod.Block), NodeFabric.Converge, "the block at the ToR", Logs);
        var route = f.Bird!.Routes(pod.Block.ToString());
        Assert.Contains("(65001,100)", route);   // the named standard community
        Assert.Contains("(65001, 7, 8)", route); // the literal large one
        Assert.Matches(@"Hold timer:\s+[0-9.]+/9\b", f.Bird.Birdc("show", "protocols", "all", "node1"));
        var listening = f.Nodes["node1"].Exec("ss", "-ltnH").Stdout;
        Assert.Contains($":{ListenPort} ", listening);
        Assert.DoesNotContain(":179 ", listening);
    }
}
