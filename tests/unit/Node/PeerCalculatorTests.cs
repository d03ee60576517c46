using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Policy;
using L3Net.Bgp.Wire;
using L3Net.Model.Resources;
using L3Net.Node.Bgp;
using Xunit;

namespace L3Net.Tests.Unit.Node;

public sealed class PeerCalculatorTests
{
    private static NodeResource N(string name, string ip, string? asn = null, string? cluster = null, Dictionary<string, string>? labels = null,
        string? ip6 = null)
        => new()
        {
            Metadata = { Name = name, Labels = labels ?? [] },
            Spec =
            {
                Bgp = new NodeBgpSpec
                {
                    Ipv4Address = ip + "/24", Ipv6Address = ip6 is null ? null : ip6 + "/64", AsNumber = asn, RouteReflectorClusterId = cluster,
                },
            },
        };

    private static IReadOnlyList<PeerConfigView> Peers(NodeResource self, NodeResource[] nodes, BGPConfiguration? config = null, params BGPPeer[] peers)
        => PeerCalculator.Calculate(new BgpInputs(self, nodes, config, peers))
            .Select(p => new PeerConfigView(p.Address.ToString(), p.Port, p.RemoteAs, p.PeerType, p.RouteReflectorClient)).ToList();

    private sealed record PeerConfigView(string Address, int Port, uint As, string Type, bool Client);

    [Fact]
    public void The_default_is_a_full_ibgp_mesh_of_the_other_nodes()
    {
        var a = N("a", "10.0.0.1");
        NodeResource[] all = [a, N("b", "10.0.0.2"), N("c", "10.0.0.3")];
        Assert.Equal(
            [new PeerConfigView("10.0.0.2", 179, 64512, PeerCalculator.Mesh, false), new PeerConfigView("10.0.0.3", 179, 64512, PeerCalculator.Mesh, false)],
            Peers(a, all));
    }

    [Fact]
    public void With_route_reflectors_clients_peer_only_with_them_and_reflectors_mark_their_clients()
    {
        var rr = N("rr", "10.0.0.1", cluster: "1.1.1.1");
        var b = N("b", "10.0.0.2");
        var c = N("c", "10.0.0.3");
        NodeResource[] all = [rr, b, c];
        Assert.Equal([new PeerConfigView("10.0.0.1", 179, 64512, PeerCalculator.Mesh, false)], Peers(b, all));
        Assert.All(Peers(rr, all), p => Assert.True(p.Client));
        Assert.Equal(2, Peers(rr, all).Count);
    }

    [Fact]
    public void Mesh_off_and_a_node_specific_tor_peer_gives_exactly_that_session()
    {
        var a = N("a", "10.0.1.2", asn: "64601");
        var config = new BGPConfiguration { Metadata = { Name = "default" }, Spec = { NodeToNodeMeshEnabled = false } };
        var tor = new BGPPeer { Metadata = { Name = "tor-a" }, Spec = { Node = "a", PeerIp = "10.0.1.1:1790", AsNumber = "65000" } };
        var other = new BGPPeer { Metadata = { Name = "tor-b" }, Spec = { Node = "b", PeerIp = "10.0.2.1", AsNumber = "65000" } };
        Assert.Equal([new PeerConfigView("10.0.1.1", 1790, 65000, PeerCalculator.NodeSpecific, false)],
            Peers(a, [a, N("b", "10.0.2.2")], config, tor, other));
    }

    [Fact]
    public void Selectors_choose_the_nodes_a_peer_applies_to_and_the_nodes_it_peers_with()
    {
        var r1 = new Dictionary<string, string> { ["rack"] = "r1" };
        var a = N("a", "10.0.0.1", labels: r1);
        var b = N("b", "10.0.0.2", asn: "64999", labels: new() { ["role"] = "edge" });
        var c = N("c", "10.0.0.3");
        var config = new BGPConfiguration { Metadata = { Name = "default" }, Spec = { NodeToNodeMeshEnabled = false } };
        var toEdge = new BGPPeer { Metadata = { Name = "edge" }, Spec = { NodeSelector = "rack == 'r1'", PeerSelector = "role == 'edge'" } };
        var global = new BGPPeer { Metadata = { Name = "upstream" }, Spec = { PeerIp = "192.0.2.1", AsNumber = "65001" } };

        Assert.Equal(
            [new PeerConfigView("10.0.0.2", 179, 64999, PeerCalculator.NodeSpecific, false), new PeerConfigView("192.0.2.1", 179, 65001, PeerCalculator.Global, false)],
            Peers(a, [a, b, c], config, toEdge, global));
        Assert.Equal([new PeerConfigView("192.0.2.1", 179, 65001, PeerCalculator.Global, false)], Peers(c, [a, b, c], config, toEdge, global));
    }

    [Fact]
    public void Peer_addresses_parse_with_and_without_ports()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 179), PeerCalculator.ParseEndpoint("10.0.0.1"));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("fd00::1"), 1790), PeerCalculator.ParseEndpoint("[fd00::1]:1790"));
        Assert.Null(PeerCalculator.ParseEndpoint("not-an-address"));
    }

    [Fact]
    public void Dual_stack_nodes_mesh_over_both_families_and_an_ipv4_only_node_over_ipv4()
    {
        var a = N("a", "10.0.0.1", ip6: "fd00::1");
        var b = N("b", "10.0.0.2", ip6: "fd00::2");
        var c = N("c", "10.0.0.3");
        NodeResource[] all = [a, b, c];
        Assert.Equal(
            [
                new PeerConfigView("10.0.0.2", 179, 64512, PeerCalculator.Mesh, false), new PeerConfigView("10.0.0.3", 179, 64512, PeerCalculator.Mesh, false),
                new PeerConfigView("fd00::2", 179, 64512, PeerCalculator.Mesh, false),
            ],
            Peers(a, all));
        Assert.Equal(
            [new PeerConfigView("10.0.0.1", 179, 64512, PeerCalculator.Mesh, false), new PeerConfigView("10.0.0.2", 179, 64512, PeerCalculator.Mesh, false)],
            Peers(c, all));
        // Each mesh session leaves from this node's registered address of its family.
        Assert.Equal(["10.0.0.1", "10.0.0.1", "fd00::1"],
            PeerCalculator.Calculate(new BgpInputs(a, all, null, [])).Select(p => p.SourceAddress?.ToString()));
    }

    [Fact]
    public void Route_reflectors_reflect_for_their_clients_in_both_families()
    {
        var rr = N("rr", "10.0.0.1", cluster: "1.1.1.1", ip6: "fd00::1");
        var b = N("b", "10.0.0.2", ip6: "fd00::2");
        NodeResource[] all = [rr, b];
        Assert.Equal(
            [new PeerConfigView("10.0.0.1", 179, 64512, PeerCalculator.Mesh, false), new PeerConfigView("fd00::1", 179, 64512, PeerCalculator.Mesh, false)],
            Peers(b, all));
        Assert.Equal(
            [new PeerConfigView("10.0.0.2", 179, 64512, PeerCalculator.Mesh, true), new PeerConfigView("fd00::2", 179, 64512, PeerCalculator.Mesh, true)],
            Peers(rr, all));
    }

    [Fact]
    public void A_peer_selector_gives_a_session_per_family_both_nodes_have()
    {
        var a = N("a", "10.0.0.1", ip6: "fd00::1");
        var edge = N("edge", "10.0.0.9", asn: "64999", labels: new() { ["role"] = "edge" }, ip6: "fd00::9");
        var config = new BGPConfiguration { Metadata = { Name = "default" }, Spec = { NodeToNodeMeshEnabled = false } };
        var toEdge = new BGPPeer { Metadata = { Name = "edge" }, Spec = { PeerSelector = "role == 'edge'" } };
        Assert.Equal(
            [new PeerConfigView("10.0.0.9", 179, 64999, PeerCalculator.Global, false), new PeerConfigView("fd00::9", 179, 64999, PeerCalculator.Global, false)],
            Peers(a, [a, edge], config, toEdge));
    }

    [Fact]
    public void An_ipv6_peer_ip_applies_to_a_node_with_an_ipv6_address_and_is_skipped_with_a_warning_otherwise()
    {
        var config = new BGPConfiguration { Metadata = { Name = "default" }, Spec = { NodeToNodeMeshEnabled = false } };
        var tor4 = new BGPPeer { Metadata = { Name = "tor4" }, Spec = { PeerIp = "10.0.1.1", AsNumber = "65000" } };
        var tor6 = new BGPPeer { Metadata = { Name = "tor6" }, Spec = { PeerIp = "fd00:1::1", AsNumber = "65000" } };
        var tor6Port = new BGPPeer { Metadata = { Name = "tor6-port" }, Spec = { PeerIp = "[fd00:1::5]:1790", AsNumber = "65005" } };
        var dual = N("a", "10.0.1.2", ip6: "fd00:1::2");
        Assert.Equal(
            [
                new PeerConfigView("10.0.1.1", 179, 65000, PeerCalculator.Global, false), new PeerConfigView("fd00:1::1", 179, 65000, PeerCalculator.Global, false),
                new PeerConfigView("fd00:1::5", 1790, 65005, PeerCalculator.Global, false),
            ],
            Peers(dual, [dual], config, tor4, tor6, tor6Port));

        var v4Only = N("b", "10.0.2.2");
        var warnings = new List<string>();
        var peers = PeerCalculator.Calculate(new BgpInputs(v4Only, [v4Only], config, [tor4, tor6]), warnings.Add);
        Assert.Equal([IPAddress.Parse("10.0.1.1")], peers.Select(p => p.Address));
        Assert.Equal(["BGPPeer tor6: peerIP fd00:1::1 needs this node's ipv6Address, which is not set; ignored"], warnings);
    }

    [Fact]
    public void Per_peer_timers_and_restart_time_reach_the_session_config()
    {
        var a = N("a", "10.0.0.1");
        var tor = new BGPPeer
        {
            Metadata = { Name = "tor" },
            Spec = { PeerIp = "10.0.0.254", AsNumber = "65000", HoldTime = "9s", KeepaliveTime = "2s", MaxRestartTime = "30s" },
        };
        var peer = PeerCalculator.Calculate(new BgpInputs(a, [a], null, [tor])).Single();
        Assert.Equal((TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)),
            (peer.HoldTime, peer.KeepaliveTime, peer.GracefulRestartTime));
    }

    [Fact]
    public void Sessions_go_to_each_node_s_listen_port_as_Calico_does()
    {
        var a = N("a", "10.0.0.1");
        NodeResource[] all = [a, N("b", "10.0.0.2"), N("c", "10.0.0.3")];
        var explicitPort = new BGPPeer { Metadata = { Name = "p1" }, Spec = { PeerIp = "10.0.0.3:1791", AsNumber = "64512" } };
        var inputs = new BgpInputs(a, all, null, [explicitPort]) { ListenPorts = new Dictionary<string, int> { ["b"] = 1790, ["c"] = 1790 } };
        Assert.Equal([("10.0.0.2", 1790), ("10.0.0.3", 1791)], PeerCalculator.Calculate(inputs).Select(p => (p.Address.ToString(), p.Port)));

        // A peerIP without a port that is one of our nodes gets that node's listen port.
        var toNode = new BGPPeer { Metadata = { Name = "p2" }, Spec = { PeerIp = "10.0.0.3", AsNumber = "64512" } };
        var mesh = new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } };
        inputs = new BgpInputs(a, all, mesh, [toNode]) { ListenPorts = new Dictionary<string, int> { ["c"] = 1790 } };
        Assert.Equal(1790, PeerCalculator.Calculate(inputs).Single().Port);
    }

    [Fact]
    public void Listen_ports_come_from_the_node_s_own_configuration_then_the_cluster_s()
    {
        BGPConfiguration[] configs =
        [
            new() { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { ListenPort = 1790 } },
            new() { Metadata = { Name = BGPConfiguration.NodeName("b") }, Spec = { ListenPort = 1791 } },
            new() { Metadata = { Name = BGPConfiguration.NodeName("c") } },
        ];
        Assert.Equal([1790, 1791, 1790], new[] { "a", "b", "c" }.Select(n => BGPConfiguration.ListenPortOf(n, configs)));
        Assert.Equal(179, BGPConfiguration.ListenPortOf("a", []));
    }

    [Theory]
    [InlineData(null, "10.0.0.1")]
    [InlineData("UseNodeIP", "10.0.0.1")]
    [InlineData("None", null)]
    public void Source_address_is_the_node_s_own_unless_None(string? mode, string? expected)
    {
        var a = N("a", "10.0.0.1");
        var tor = new BGPPeer { Metadata = { Name = "tor" }, Spec = { PeerIp = "10.0.0.254", AsNumber = "65000", SourceAddress = mode } };
        Assert.Equal(expected, PeerCalculator.Calculate(new BgpInputs(a, [a], null, [tor])).Single().SourceAddress?.ToString());
    }

    [Fact]
    public void Prefix_advertisements_resolve_names_and_split_standard_from_large()
    {
        var config = new BGPConfiguration
        {
            Metadata = { Name = BGPConfiguration.DefaultName },
            Spec =
            {
                Communities = [new Community { Name = "rack", Value = "65001:100" }, new Community { Name = "big", Value = "65001:7:8" }],
                PrefixAdvertisements = [new PrefixAdvertisement { Cidr = "10.244.0.0/16", Communities = ["rack", "big", "64512:9"] }],
            },
        };
        var advert = Assert.Single(AdvertisedCommunities.From(config));
        Assert.Equal(IPNetwork.Parse("10.244.0.0/16"), advert.Cidr);
        Assert.Equal([65001u << 16 | 100, 64512u << 16 | 9], advert.Standard);
        Assert.Equal([new L3Net.Bgp.Wire.LargeCommunity(65001, 7, 8)], advert.Large);
    }

    [Fact]
    public void A_peers_filters_apply_in_the_order_it_names_them_and_a_missing_one_is_skipped_with_a_warning()
    {
        var a = N("a", "10.0.1.2", asn: "64601");
        var config = new BGPConfiguration { Metadata = { Name = "default" }, Spec = { NodeToNodeMeshEnabled = false } };
        var tor = new BGPPeer { Metadata = { Name = "tor" }, Spec = { PeerIp = "10.0.1.1", AsNumber = "65000", Filters = ["first", "absent", "second"] } };
        BGPFilter Filter(string name, string action) => new()
        {
            Metadata = { Name = name },
            Spec =
            {
                ImportV4 = [new BGPFilterRule { Action = action, MatchOperator = "In", Cidr = "10.0.0.0/8" }],
                ExportV6 = [new BGPFilterRule { Action = action }],
            },
        };
        List<string> warnings = [];

        var peer = Assert.Single(PeerCalculator.Calculate(new BgpInputs(a, [a], config, [tor]) { Filters = [Filter("second", "Reject"), Filter("first", "Accept")] },
            warnings.Add));

        Assert.Equal(FilterAction.Accept, peer.ImportFilter.Evaluate(Prefix.Parse("10.1.0.0/16"), learned: true)); // "first" comes first
        Assert.Null(peer.ImportFilter.Evaluate(Prefix.Parse("192.0.2.0/24"), learned: true));
        Assert.Equal(FilterAction.Accept, peer.ExportFilter.Evaluate(Prefix.Parse("fd00::/64"), learned: false));
        Assert.Null(peer.ExportFilter.Evaluate(Prefix.Parse("10.1.0.0/16"), learned: false)); // no exportV4 rules
        Assert.Equal(["BGPPeer tor: BGPFilter absent does not exist; skipped until it is created"], warnings);
    }

    [Fact]
    public void The_prefix_limit_and_its_action_reach_the_session()
    {
        var a = N("a", "10.0.1.2");
        var tor = new BGPPeer
        {
            Metadata = { Name = "tor" },
            Spec = { PeerIp = "10.0.1.1", AsNumber = "65000", MaxPrefixes = 10, MaxPrefixesAction = "Restart", MaxPrefixesRestartTime = "30s" },
        };
        var peer = Assert.Single(PeerCalculator.Calculate(new BgpInputs(a, [a], null, [tor])));
        Assert.Equal((10, PrefixLimitAction.Restart, TimeSpan.FromSeconds(30)), (peer.MaxPrefixes, peer.MaxPrefixesAction, peer.MaxPrefixesRestartTime));
    }
}
