using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Fsm;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Node.Status;
using L3Net.Tests.Unit.Bgp;
using Xunit;

namespace L3Net.Tests.Unit.Node;

public sealed class NodeMetricsTests
{
    private static readonly IPAddress Tor = IPAddress.Parse("10.0.1.1");

    [Fact]
    public async Task Each_daemon_has_a_registry_of_its_own()
    {
        var a = new NodeMetrics();
        var b = new NodeMetrics();
        a.DataplaneResyncs.Inc(3);
        a.DataplaneApply.Observe(0.25);

        Assert.Contains("l3net_dataplane_resyncs_total 3\n", await PageAsync(a));
        Assert.Contains("l3net_dataplane_apply_seconds_count 1\n", await PageAsync(a));
        Assert.Contains("l3net_dataplane_resyncs_total 0\n", await PageAsync(b));
        Assert.Contains("l3net_dataplane_apply_seconds_count 0\n", await PageAsync(b));
    }

    [Fact]
    public async Task Dataplane_apply_latency_is_a_histogram_with_buckets()
    {
        var m = new NodeMetrics();
        m.DataplaneApply.Observe(0.003);
        m.DataplaneApply.Observe(0.2);

        var page = await PageAsync(m);

        Assert.Contains("# TYPE l3net_dataplane_apply_seconds histogram\n", page);
        Assert.Contains("l3net_dataplane_apply_seconds_bucket{le=\"0.004\"} 1\n", page);
        Assert.Contains("l3net_dataplane_apply_seconds_bucket{le=\"+Inf\"} 2\n", page);
    }

    [Fact]
    public async Task Per_peer_figures_follow_the_speaker_and_a_deconfigured_peer_leaves_the_page()
    {
        var m = new NodeMetrics();
        var time = new ManualTime(DateTimeOffset.Parse("2026-12-03T10:00:00Z"));
        m.Peers.Time = time;
        var up = new PeerState(Tor, "global", BgpState.Established, time.Now.AddSeconds(-90), null, 12, 10, 3)
        {
            Counters = new PeerCounterValues(UpdatesReceived: 7, UpdatesSent: 2, Flaps: 1, LastError: "received NOTIFICATION Cease"),
        };
        IReadOnlyList<PeerState> peers = [up];
        m.Peers.Source = () => peers;

        var page = await PageAsync(m);
        const string labels = "peer=\"10.0.1.1\",type=\"global\"";
        Assert.Contains($"l3net_bgp_peer_state{{{labels},state=\"Established\"}} 1\n", page);
        Assert.Contains($"l3net_bgp_peer_state{{{labels},state=\"Active\"}} 0\n", page);
        Assert.Contains($"l3net_bgp_peer_uptime_seconds{{{labels}}} 90\n", page);
        Assert.Contains($"l3net_bgp_peer_prefixes_received{{{labels}}} 12\n", page);
        Assert.Contains($"l3net_bgp_peer_prefixes_accepted{{{labels}}} 10\n", page);
        Assert.Contains($"l3net_bgp_peer_prefixes_advertised{{{labels}}} 3\n", page);
        Assert.Contains($"l3net_bgp_peer_updates_received_total{{{labels}}} 7\n", page);
        Assert.Contains($"l3net_bgp_peer_updates_sent_total{{{labels}}} 2\n", page);
        Assert.Contains($"l3net_bgp_peer_flaps_total{{{labels}}} 1\n", page);
        Assert.Contains($"l3net_bgp_peer_last_error_info{{{labels},error=\"received NOTIFICATION Cease\"}} 1\n", page);
        Assert.Contains("l3net_bgp_sessions{state=\"Established\"} 1\n", page);

        // Down, with a new error: one error series per peer, uptime 0. Then reconfigured (a new neighbour, counters
        // from 0): the counter starts over instead of sticking at its old total.
        peers = [up with { State = BgpState.Active, Counters = up.Counters with { Flaps = 2, LastError = "connect failed: Connection refused" } }];
        page = await PageAsync(m);
        Assert.Contains($"l3net_bgp_peer_uptime_seconds{{{labels}}} 0\n", page);
        Assert.Contains($"l3net_bgp_peer_flaps_total{{{labels}}} 2\n", page);
        Assert.DoesNotContain("NOTIFICATION", page);
        Assert.Contains("error=\"connect failed: Connection refused\"", page);
        peers = [up with { Counters = new PeerCounterValues(1, 0, 0, null) }];
        page = await PageAsync(m);
        Assert.Contains($"l3net_bgp_peer_updates_received_total{{{labels}}} 1\n", page);
        Assert.DoesNotContain("l3net_bgp_peer_last_error_info{", page);

        peers = [];
        Assert.DoesNotContain("10.0.1.1", await PageAsync(m));
    }

    [Fact]
    public void Peer_counters_count_every_update_message_in_the_ranges_written()
    {
        var counters = new PeerCounters();
        var update = WireSamples.RawUpdate(WireSamples.Mandatory, [24, 10, 244, 1]);
        counters.Sending([update.Concat(update).ToArray(), update]);
        counters.UpdateReceived();
        counters.SessionClosed(wasEstablished: true, "hold timer expired");
        counters.SessionClosed(wasEstablished: false, "connection collision");

        Assert.Equal(new PeerCounterValues(1, 3, 1, "connection collision"), counters.Read());
    }

    [Fact]
    public async Task Ipam_figures_are_per_affine_block_and_per_pool_with_borrowed_addresses_counted_once()
    {
        var m = new NodeMetrics();
        IReadOnlyList<IPPool> pools = [new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/16" } }];
        var own = Block("10.244.1.0/26", "node1", ("10.244.1.1", "node1"), ("10.244.1.2", "node2"));
        var other = Block("10.244.2.0/26", "node2", ("10.244.2.1", "node1"), ("10.244.2.2", "node2"));

        m.Ipam.Update("node1", pools, [own, other]);
        var page = await PageAsync(m);
        Assert.Contains("l3net_ipam_block_addresses{pool=\"pods\",block=\"10.244.1.0/26\"} 64\n", page);
        Assert.Contains("l3net_ipam_block_addresses_in_use{pool=\"pods\",block=\"10.244.1.0/26\"} 2\n", page);
        Assert.DoesNotContain("10.244.2.0/26", page);
        Assert.Contains("l3net_ipam_pool_addresses_in_use{pool=\"pods\"} 2\n", page);
        Assert.Contains("l3net_ipam_pool_addresses_borrowed{pool=\"pods\"} 1\n", page);

        m.Ipam.Update("node1", pools, [other]);
        page = await PageAsync(m);
        Assert.DoesNotContain("10.244.1.0/26", page);
        Assert.Contains("l3net_ipam_pool_addresses_in_use{pool=\"pods\"} 1\n", page);
    }

    [Fact]
    public async Task Cni_adds_and_dels_are_counted_from_endpoints_with_the_add_latency_the_plugin_stamped()
    {
        var m = new NodeMetrics();
        var assigned = DateTimeOffset.Parse("2026-12-03T10:00:00Z");
        var before = Endpoint("old", "c0", "10.244.1.1", assigned.AddMinutes(-5));
        var block = Block("10.244.1.0/26", "node1", ("10.244.1.1", "node1"), ("10.244.1.2", "node1"));
        block = block with { Allocations = [block.Allocations[0], block.Allocations[1] with { Assigned = assigned }] };

        m.Cni.Update("node1", [before], [block]);
        Assert.Contains("l3net_cni_add_total 0\n", await PageAsync(m)); // the baseline, not ADDs

        var pod = Endpoint("p1", "c1", "10.244.1.2", assigned.AddMilliseconds(40));
        m.Cni.Update("node1", [before, pod, Endpoint("elsewhere", "c2", "10.244.9.9", assigned, node: "node2")], [block]);
        var page = await PageAsync(m);
        Assert.Contains("l3net_cni_add_total 1\n", page);
        Assert.Contains("l3net_cni_add_seconds_sum 0.04\n", page);
        Assert.Contains("l3net_cni_add_seconds_bucket{le=\"0.064\"} 1\n", page);

        // The pod's sandbox replaced (a new container ID) is a DEL and an ADD; then the old pod goes.
        m.Cni.Update("node1", [before, Endpoint("p1", "c3", "10.244.1.2", assigned.AddMilliseconds(40))], [block]);
        m.Cni.Update("node1", [Endpoint("p1", "c3", "10.244.1.2", assigned.AddMilliseconds(40))], [block]);
        page = await PageAsync(m);
        Assert.Contains("l3net_cni_add_total 2\n", page);
        Assert.Contains("l3net_cni_del_total 2\n", page);
        Assert.Contains("l3net_cni_add_seconds_count 2\n", page);
    }

    [Fact]
    public async Task On_the_kubernetes_datastore_adds_are_counted_without_a_latency_the_api_server_stamped()
    {
        var m = new NodeMetrics();
        m.Cni.PluginStampsEndpoints = false;
        var block = Block("10.244.1.0/26", "node1", ("10.244.1.2", "node1"));
        m.Cni.Update("node1", [], [block]);
        m.Cni.Update("node1", [Endpoint("p1", "c1", "10.244.1.2", DateTimeOffset.UnixEpoch.AddSeconds(1))], [block]);

        var page = await PageAsync(m);
        Assert.Contains("l3net_cni_add_total 1\n", page);
        Assert.Contains("l3net_cni_add_seconds_count 0\n", page);
    }

    private static WorkloadEndpoint Endpoint(string pod, string container, string ip, DateTimeOffset created, string node = "node1") => new()
    {
        Metadata = { Name = $"{node}-{pod}-eth0", Namespace = "default", CreationTimestamp = created },
        Spec = new WorkloadEndpointSpec { Node = node, Pod = pod, ContainerId = container, InterfaceName = "cali" + pod, IpNetworks = [ip + "/32"] },
    };

    private static BlockInfo Block(string cidr, string node, params (string Ip, string Node)[] allocations)
        => new(IPNetwork.Parse(cidr), node, 64, [.. allocations.Select(a =>
            new AllocationInfo(IPAddress.Parse(a.Ip), "h-" + a.Ip, a.Node, DateTimeOffset.UnixEpoch, new Dictionary<string, string>()))]);

    private static async Task<string> PageAsync(NodeMetrics m)
    {
        using var page = new MemoryStream();
        await m.WriteAsync(page, TestContext.Current.CancellationToken);
        return System.Text.Encoding.UTF8.GetString(page.ToArray());
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now => now;
        public override DateTimeOffset GetUtcNow() => now;
    }
}
