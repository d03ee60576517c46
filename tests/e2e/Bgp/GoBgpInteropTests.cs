using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Our speaker against GoBGP 3 as an eBGP top-of-rack router: routes checked in both RIBs.</summary>
public sealed class GoBgpInteropTests
{
    [Fact]
    public async Task Routes_flow_both_ways_with_GoBGP()
    {
        using var net = new TestNetwork();
        var tor = net.AddHost("tor");
        var node = net.AddHost("node");
        net.Link(tor, "10.0.0.1/30", node, "10.0.0.2/30");
        var gobgp = await GoBgpPeer.StartAsync(tor, """
            [global.config]
              as = 65001
              router-id = "10.0.0.1"
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "10.0.0.2"
                peer-as = 65002
              [neighbors.timers.config]
                connect-retry = 1
                hold-time = 9
                keepalive-interval = 3
            """);
        gobgp.Gobgp("global", "rib", "add", "192.168.200.0/24", "-a", "ipv4");
        await using var speaker = await SpeakerFixture.StartAsync(node, 65002, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65001 }], ["10.244.2.0/26"]);

        await speaker.WaitRouteAsync("192.168.200.0/24", "10.0.0.1");
        await Eventually.AssertAsync(() => gobgp.Rib().Contains("10.244.2.0/26"), TimeSpan.FromSeconds(15),
            "GoBGP receiving our prefix", () => gobgp.Rib() + gobgp.Gobgp("neighbor"));
        var line = gobgp.Rib().Split('\n').First(l => l.Contains("10.244.2.0/26"));
        Assert.Contains("10.0.0.2", line);
        Assert.Contains("65002", line);
    }
}
