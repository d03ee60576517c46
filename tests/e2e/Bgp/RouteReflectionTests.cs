using System.Buffers.Binary;
using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>RFC 4456 with BIRD, both roles: our speaker reflecting between two BIRD clients, and our speaker as a client
/// of a BIRD reflector with a second BIRD client behind it. ORIGINATOR_ID and CLUSTER_LIST are checked where the
/// reflected route lands, and next hops stay untouched.</summary>
public sealed class RouteReflectionTests
{
    [Fact]
    public async Task Speaker_reflects_routes_between_two_BIRD_clients()
    {
        using var fabric = new PeeringFabric();
        var c2 = fabric.Network.AddHost("c2");
        fabric.Network.Link(c2, "10.0.2.1/24", fabric.Node, "10.0.2.2/24");
        // Each client resolves the other's next hop through us (a static route used only for recursion).
        var bird1 = await BirdPeer.StartAsync(fabric.Tor, BirdConfigs.Peer("10.0.0.1", "10.0.0.1", 65000, "10.0.0.2", 65000, "ipv4",
            "192.168.1.0/24", "next hop self;", "", "route 10.0.2.0/24 via 10.0.0.2;"));
        var bird2 = await BirdPeer.StartAsync(c2, BirdConfigs.Peer("10.0.2.1", "10.0.2.1", 65000, "10.0.2.2", 65000, "ipv4",
            "192.168.2.0/24", "next hop self;", "", "route 10.0.0.0/24 via 10.0.2.2;"));
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65000, "10.0.0.100",
            [
                new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65000, RouteReflectorClient = true },
                new PeerConfig { Address = IPAddress.Parse("10.0.2.1"), RemoteAs = 65000, RouteReflectorClient = true },
            ],
            ["10.244.9.0/26"], o => o with { ClusterId = IPAddress.Parse("1.2.3.4") });

        await speaker.WaitEstablishedAsync(2);
        await bird2.WaitBirdRouteAsync("192.168.1.0/24", "BGP.originator_id: 10.0.0.1");
        var reflected = bird2.Routes("192.168.1.0/24");
        Assert.Contains("BGP.cluster_list: 1.2.3.4", reflected);
        Assert.Contains("BGP.next_hop: 10.0.0.1", reflected);
        await bird1.WaitBirdRouteAsync("192.168.2.0/24", "BGP.originator_id: 10.0.2.1");
        await bird1.WaitBirdRouteAsync("10.244.9.0/26", "BGP.next_hop: 10.0.0.2");
        await bird2.WaitBirdRouteAsync("10.244.9.0/26", "BGP.next_hop: 10.0.2.2");
        Assert.True(speaker.HasRoute("192.168.1.0/24", "10.0.0.1") && speaker.HasRoute("192.168.2.0/24", "10.0.2.1"), speaker.Describe());
    }

    [Fact]
    public async Task Speaker_as_a_client_of_a_BIRD_reflector_exchanges_routes_with_another_client()
    {
        using var fabric = new PeeringFabric();
        var c2 = fabric.Network.AddHost("c2");
        fabric.Network.Link(fabric.Tor, "10.0.2.1/24", c2, "10.0.2.2/24");
        const string client = "rr client; rr cluster id 1.2.3.4; direct;";
        await BirdPeer.StartAsync(fabric.Tor, BirdConfigs.Base("10.0.0.1", "")
            + BirdConfigs.Protocol("node", "10.0.0.1", 65000, "10.0.0.2", 65000, "ipv4", "all", "", client)
            + BirdConfigs.Protocol("c2", "10.0.2.1", 65000, "10.0.2.2", 65000, "ipv4", "all", "", client));
        var bird2 = await BirdPeer.StartAsync(c2, BirdConfigs.Peer("10.0.2.2", "10.0.2.2", 65000, "10.0.2.1", 65000, "ipv4",
            "192.168.2.0/24", "next hop self;", "", "route 10.0.0.0/24 via 10.0.2.1;")); // our next hop resolves through the reflector
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65000, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65000 }], ["10.244.9.0/26"]);

        await speaker.WaitRouteAsync("192.168.2.0/24", "10.0.2.2");
        var reflected = speaker.Route(IPNetwork.Parse("192.168.2.0/24"))!;
        Assert.Equal("10.0.2.2", Ip(reflected.OriginatorId!.Value));
        Assert.Equal(["1.2.3.4"], reflected.ClusterList.Span.ToArray().Select(Ip));

        await bird2.WaitBirdRouteAsync("10.244.9.0/26", "BGP.originator_id: 10.0.0.2");
        var ours = bird2.Routes("10.244.9.0/26");
        Assert.Contains("BGP.cluster_list: 1.2.3.4", ours);
        Assert.Contains("BGP.next_hop: 10.0.0.2", ours);
        Assert.False(speaker.HasRoute("10.244.9.0/26"), "our own prefix came back through the reflector\n" + speaker.Describe());
    }

    private static string Ip(uint id)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, id);
        return new IPAddress(b).ToString();
    }
}
