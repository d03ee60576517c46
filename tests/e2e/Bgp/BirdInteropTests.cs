using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Our speaker against a real BIRD 2 over a veth: the session comes up and routes arrive on both sides.</summary>
public sealed class BirdInteropTests
{
    private static string BirdConfig(string routerId, string local, uint localAs, string neighbor, uint neighborAs, string family,
        string staticRoute, string channelExtra = "", string protocolExtra = "") => $$"""
        router id {{routerId}};
        protocol device { scan time 1; }
        protocol direct { {{family}}; }
        protocol static { {{family}}; route {{staticRoute}} blackhole; }
        protocol bgp l3net {
          local {{local}} as {{localAs}};
          neighbor {{neighbor}} as {{neighborAs}};
          hold time 9; keepalive time 3; connect retry time 1; connect delay time 1; error wait time 1, 5;
          {{protocolExtra}}
          {{family}} { import all; export where source = RTS_STATIC; {{channelExtra}} };
        }
        """;

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
        var bird = await BirdPeer.StartAsync(tor, BirdConfig("10.0.0.1", "10.0.0.1", birdAs, "10.0.0.2", ourAs, "ipv4",
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
}
