using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using L3Net.Bgp;
using L3Net.Bgp.Policy;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// The speaker's per-peer filters changed on an Established session with FRR 8 as the peer: the import filter takes
/// one of FRR's prefixes out of our Loc-RIB and later back in (from what we kept, with no ROUTE-REFRESH), the export
/// filter withdraws one of our prefixes from FRR's table and announces it again; FRR counts one connection
/// established and none dropped throughout.
/// </summary>
public sealed partial class LiveFilterTests
{
    private const string Kept = "10.244.1.0/26", Filtered = "10.244.2.0/26", FrrKept = "198.51.100.0/24", FrrFiltered = "192.0.2.0/24";

    private static FilterRule Reject(string cidr, PrefixMatch match) => new()
    {
        Family = AddressFamily.InterNetwork, Cidr = IPNetwork.Parse(cidr), Match = match, Action = FilterAction.Reject,
    };

    [Fact]
    public async Task Filters_changed_on_a_live_FRR_session_withdraw_and_restore_routes_both_ways_without_a_reset()
    {
        using var fabric = new PeeringFabric();
        var frr = await FrrPeer.StartAsync(fabric.Tor, $"""
            frr defaults datacenter
            hostname tor
            router bgp 65001
             bgp router-id {PeeringFabric.TorV4}
             no bgp ebgp-requires-policy
             no bgp network import-check
             neighbor {PeeringFabric.NodeV4(0)} remote-as 65002
             neighbor {PeeringFabric.NodeV4(0)} timers 3 9
             neighbor {PeeringFabric.NodeV4(0)} timers connect 1
             address-family ipv4 unicast
              network {FrrKept}
              network {FrrFiltered}
             exit-address-family
            """);
        var open = new PeerConfig { Address = IPAddress.Parse(PeeringFabric.TorV4), RemoteAs = 65001 };
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, PeeringFabric.NodeV4(0), [open], [Kept, Filtered]);
        bool FrrHas(string prefix) => frr.Route(prefix).Contains("\"paths\"", StringComparison.Ordinal);
        string Describe() => speaker.Describe() + "\n" + frr.Describe();
        await speaker.WaitRouteAsync(FrrKept, PeeringFabric.TorV4);
        await speaker.WaitRouteAsync(FrrFiltered, PeeringFabric.TorV4);
        await Eventually.AssertAsync(() => FrrHas(Kept) && FrrHas(Filtered), TimeSpan.FromSeconds(15), "both our prefixes at FRR", Describe);

        speaker.SetPeers([open with
        {
            ImportFilter = new RouteFilter([Reject(FrrFiltered, PrefixMatch.Equal)]),
            ExportFilter = new RouteFilter([Reject("10.244.2.0/24", PrefixMatch.In)]),
        }]);
        await Eventually.AssertAsync(() => !speaker.HasRoute(FrrFiltered) && !FrrHas(Filtered), TimeSpan.FromSeconds(15),
            $"{FrrFiltered} out of our Loc-RIB and {Filtered} withdrawn from FRR", Describe);
        Assert.True(speaker.HasRoute(FrrKept) && FrrHas(Kept), "a filter took a route it does not match\n" + Describe());

        speaker.SetPeers([open]);
        await Eventually.AssertAsync(() => speaker.HasRoute(FrrFiltered) && FrrHas(Filtered), TimeSpan.FromSeconds(15),
            "both routes back once the filters are gone", Describe);

        var neighbor = frr.Vtysh($"show bgp neighbors {PeeringFabric.NodeV4(0)} json");
        Assert.Equal("1", Established().Match(neighbor).Groups[1].Value);
        Assert.Equal("0", Dropped().Match(neighbor).Groups[1].Value);
        Assert.Equal(0L, speaker.Peers.Single().Counters.Flaps);
    }

    [GeneratedRegex("\"connectionsEstablished\":(\\d+)")]
    private static partial Regex Established();

    [GeneratedRegex("\"connectionsDropped\":(\\d+)")]
    private static partial Regex Dropped();
}
