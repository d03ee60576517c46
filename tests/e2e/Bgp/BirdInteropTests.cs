using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Our speaker against a real BIRD 2 over a veth: the session comes up and routes arrive on both sides.</summary>
public sealed class BirdInteropTests
{
    [Theory]
    [InlineData(65001u, 65002u)]        // eBGP
    [InlineData(65001u, 65001u)]        // iBGP
    [InlineData(4200000001u, 4200000002u)] // eBGP with four-octet ASNs on both sides
    public async Task Routes_flow_both_ways_with_BIRD_over_IPv4(uint birdAs, uint ourAs)
    {
        using var net = new TestNetwork();
        var tor = net.AddHost("tor");
        var node = net.AddHost("node");
        net.Link(tor, "10.0.0.1/30", node, "10.0.0.2/30");
        var ibgp = birdAs == ourAs;
        var bird = await BirdPeer.StartAsync(tor, BirdConfigs.Peer("10.0.0.1", "10.0.0.1", birdAs, "10.0.0.2", ourAs, "ipv4",
            "192.168.100.0/24", ibgp ? "next hop self;" : "", ibgp ? "direct;" : ""));
        await using var speaker = await SpeakerFixture.StartAsync(node, ourAs, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = birdAs }], ["10.244.1.0/26"]);

        await speaker.WaitEstablishedAsync();
        await speaker.WaitRouteAsync("192.168.100.0/24", "10.0.0.1");
        await bird.WaitBirdRouteAsync("10.244.1.0/26", "via 10.0.0.2");
        var route = bird.Routes("10.244.1.0/26");
        Assert.Contains(ibgp ? "BGP.as_path: \n" : $"BGP.as_path: {ourAs}\n", route.Replace("\r", ""));

        // Withdrawal reaches BIRD too.
        speaker.SetOriginated([]);
        await Eventually.AssertAsync(() => !bird.Routes("10.244.1.0/26").Contains("10.244.1.0/26"), TimeSpan.FromSeconds(10),
            "BIRD dropping the withdrawn prefix", () => bird.Routes());
    }

    [Fact]
    public async Task Routes_flow_both_ways_with_BIRD_over_IPv6_with_RFC_2545_next_hops()
    {
        using var net = new TestNetwork();
        var tor = net.AddHost("tor");
        var node = net.AddHost("node");
        net.Link(tor, "fd00::1/64", node, "fd00::2/64");
        var bird = await BirdPeer.StartAsync(tor, BirdConfigs.Peer("10.0.0.1", "fd00::1", 65001, "fd00::2", 65002, "ipv6", "fd00:100::/48"));
        await using var speaker = await SpeakerFixture.StartAsync(node, 65002, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("fd00::1"), RemoteAs = 65001 }], ["fd00:244:1::/64"]);

        await speaker.WaitRouteAsync("fd00:100::/48", "fd00::1");
        await bird.WaitBirdRouteAsync("fd00:244:1::/64", "via fd00::2");
    }

    [Fact]
    public async Task MD5_protected_session_comes_up_with_the_right_password_only()
    {
        using var net = new TestNetwork();
        var tor = net.AddHost("tor");
        var node = net.AddHost("node");
        net.Link(tor, "10.0.0.1/30", node, "10.0.0.2/30");
        var bird = await BirdPeer.StartAsync(tor, BirdConfigs.Peer("10.0.0.1", "10.0.0.1", 65001, "10.0.0.2", 65002, "ipv4",
            "192.168.100.0/24", protocolExtra: "password \"s3cret\";"));
        var wrong = new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65001, Password = "wrong" };
        await using var speaker = await SpeakerFixture.StartAsync(node, 65002, "10.0.0.2", [wrong]);

        Assert.False(await Eventually.HoldsAsync(() => speaker.Peers.Single().State == BgpState.Established, TimeSpan.FromSeconds(4)),
            "a session with the wrong MD5 key came up");
        speaker.SetPeers([wrong with { Password = "s3cret" }]);
        await speaker.WaitEstablishedAsync();
        await speaker.WaitRouteAsync("192.168.100.0/24", "10.0.0.1");
    }
}
