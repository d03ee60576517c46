using System.Net;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

public sealed class UpdateGroupTests
{
    private const uint LocalAs = 65000, ClusterId = 0x0A000001;

    [Fact]
    public void A_reflected_IPv6_route_keeps_the_originators_global_next_hop_and_drops_its_link_local_one()
    {
        var client = new RibSource(IPAddress.Parse("fd00::2"), LocalAs, ibgp: true, routeReflectorClient: true) { RouterId = 0x0A000002 };
        var learned = new PathAttributes
        {
            NextHop = IPAddress.Parse("fd00::2"),
            LinkLocalNextHop = IPAddress.Parse("fe80::2"),
        };
        var otherClient = new UpdateGroup(new ExportKey(Ibgp: true, LocalAs, IPAddress.Parse("fd00:1::1"), RouteReflectorClient: true,
            KeepOriginalNextHop: false, LinkLocalAddress: IPAddress.Parse("fe80::1")), LocalAs, ClusterId, new object());

        var sent = otherClient.Export(client, learned)?.Attributes;

        Assert.NotNull(sent);
        Assert.Equal(IPAddress.Parse("fd00::2"), sent.NextHop);
        Assert.Null(sent.LinkLocalNextHop);
        Assert.Equal(0x0A000002u, sent.OriginatorId);
        Assert.Equal([ClusterId], sent.ClusterList.Span.ToArray());
    }

    [Fact]
    public void Our_own_IPv6_route_carries_our_link_local_next_hop_to_an_on_link_peer()
    {
        var local = new RibSource(IPAddress.IPv6Any, LocalAs, ibgp: false, routeReflectorClient: false, local: true);
        var tor = new UpdateGroup(new ExportKey(Ibgp: false, 65001, IPAddress.Parse("fd00::1"), RouteReflectorClient: false,
            KeepOriginalNextHop: false, LinkLocalAddress: IPAddress.Parse("fe80::1")), LocalAs, clusterId: null, new object());

        var sent = tor.Export(local, new PathAttributes())?.Attributes;

        Assert.NotNull(sent);
        Assert.Equal(IPAddress.Parse("fd00::1"), sent.NextHop);
        Assert.Equal(IPAddress.Parse("fe80::1"), sent.LinkLocalNextHop);
    }
}
