using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>RFC 4456 with BIRD: our speaker reflects between two BIRD clients (ORIGINATOR_ID, CLUSTER_LIST, next hop
/// untouched), and our own prefix reaches both with next-hop-self.</summary>
public sealed class RouteReflectionTests
{
    [Fact]
    public async Task Speaker_reflects_routes_between_two_BIRD_clients()
    {
        using var net = new TestNetwork();
        var node = net.AddHost("node");
        var c1 = net.AddHost("c1");
        var c2 = net.AddHost("c2");
        net.Link(c1, "10.0.1.1/24", node, "10.0.1.2/24");
        net.Link(c2, "10.0.2.1/24", node, "10.0.2.2/24");
        // Each client resolves the other's next hop through us (a static route used only for recursion).
        var bird1 = await BirdPeer.StartAsync(c1, BirdConfigs.Peer("10.0.1.1", "10.0.1.1", 65000, "10.0.1.2", 65000, "ipv4",
            "192.168.1.0/24", "next hop self;", "direct;", "route 10.0.2.0/24 via 10.0.1.2;"));
        var bird2 = await BirdPeer.StartAsync(c2, BirdConfigs.Peer("10.0.2.1", "10.0.2.1", 65000, "10.0.2.2", 65000, "ipv4",
            "192.168.2.0/24", "next hop self;", "direct;", "route 10.0.1.0/24 via 10.0.2.2;"));
        await using var speaker = await SpeakerFixture.StartAsync(node, 65000, "10.0.0.100",
            [
                new PeerConfig { Address = IPAddress.Parse("10.0.1.1"), RemoteAs = 65000, RouteReflectorClient = true },
                new PeerConfig { Address = IPAddress.Parse("10.0.2.1"), RemoteAs = 65000, RouteReflectorClient = true },
            ],
            ["10.244.9.0/26"], o => o with { ClusterId = IPAddress.Parse("1.2.3.4") });

        await speaker.WaitEstablishedAsync(2);
        await bird2.WaitBirdRouteAsync("192.168.1.0/24", "BGP.originator_id: 10.0.1.1");
        var reflected = bird2.Routes("192.168.1.0/24");
        Assert.Contains("BGP.cluster_list: 1.2.3.4", reflected);
        Assert.Contains("BGP.next_hop: 10.0.1.1", reflected);
        await bird1.WaitBirdRouteAsync("192.168.2.0/24", "BGP.originator_id: 10.0.2.1");
        await bird1.WaitBirdRouteAsync("10.244.9.0/26", "BGP.next_hop: 10.0.1.2");
        await bird2.WaitBirdRouteAsync("10.244.9.0/26", "BGP.next_hop: 10.0.2.2");
        Assert.True(speaker.HasRoute("192.168.1.0/24", "10.0.1.1") && speaker.HasRoute("192.168.2.0/24", "10.0.2.1"), speaker.Describe());
    }
}
