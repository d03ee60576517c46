using Prometheus;

namespace L3Net.Node.Status;

/// <summary>
/// The daemon's Prometheus metrics on prometheus-net, served on <c>/metrics</c>. They live in a registry of the
/// daemon's own rather than the library's process-wide default, so that each daemon (and each test hosting one in a
/// shared process) shows exactly what it declares. Node-wide figures are here; per-peer, IPAM and CNI figures have
/// collectors of their own (<see cref="BgpPeerMetrics"/>, <see cref="IpamMetrics"/>, <see cref="CniMetrics"/>).
/// Names follow Prometheus' conventions as Calico's do: an <c>l3net_</c> prefix, <c>_total</c> on counters,
/// <c>_seconds</c> on durations.
/// </summary>
public sealed class NodeMetrics
{
    /// <summary>1 ms to about 16 s: a route batch takes milliseconds, a resync with iptables-save and ipset a second on
    /// a busy node.</summary>
    private static readonly double[] ApplyBuckets = Histogram.ExponentialBuckets(0.001, 2, 15);

    public NodeMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var f = Metrics.WithCustomRegistry(Registry);
        RouteChanges = f.CreateCounter("l3net_bgp_route_changes_total", "Loc-RIB changes handed to the dataplane.");
        PrefixesAdvertised = f.CreateGauge("l3net_bgp_prefixes_advertised", "Prefixes this node originates (blocks, borrowed /32s, service ranges).");
        DataplaneRoutes = f.CreateGauge("l3net_dataplane_routes", "Routes the dataplane wants, by kind.", ["kind"]);
        DataplaneApply = f.CreateHistogram("l3net_dataplane_apply_seconds", "Time to apply one change set (or a resync) to the kernel.",
            new HistogramConfiguration { Buckets = ApplyBuckets });
        DataplaneResyncs = f.CreateCounter("l3net_dataplane_resyncs_total", "Full comparisons of the dataplane with the kernel.");
        DataplaneRepairs = f.CreateCounter("l3net_dataplane_repairs_total", "Kernel objects put back after a resync found them changed.");
        DataplaneErrors = f.CreateCounter("l3net_dataplane_errors_total", "Failed dataplane applies (retried at the next change or resync).");
        IpamReads = f.CreateCounter("l3net_ipam_reads_total", "IPAM lists of this node's blocks and all blocks (borrowed addresses): at start and on each resync; changes come as watch deltas.");
        DatastoreReads = f.CreateCounter("l3net_datastore_reads_total", "Datastore reads by call (list, get, watch started): lists at start and on each resync only.", ["call"]);
        DatastoreResyncs = f.CreateCounter("l3net_datastore_resyncs_total", "Watches restarted from a fresh list after history was compacted.");
        Errors = f.CreateCounter("l3net_errors_total", "Errors by component.", ["component"]);
        Peers = new BgpPeerMetrics(f);
        Ipam = new IpamMetrics(f);
        Cni = new CniMetrics(f);
        Registry.AddBeforeCollectCallback(Peers.Collect);
    }

    public CollectorRegistry Registry { get; }
    public Counter RouteChanges { get; }
    public Counter DatastoreReads { get; }
    public Gauge PrefixesAdvertised { get; }
    public Gauge DataplaneRoutes { get; }
    public Histogram DataplaneApply { get; }
    public Counter DataplaneResyncs { get; }
    public Counter DataplaneRepairs { get; }
    public Counter DataplaneErrors { get; }
    public Counter IpamReads { get; }
    public Counter DatastoreResyncs { get; }
    public Counter Errors { get; }
    public BgpPeerMetrics Peers { get; }
    public IpamMetrics Ipam { get; }
    public CniMetrics Cni { get; }

    /// <summary>The text exposition format (0.0.4), what Prometheus and <c>promtool check metrics</c> read.</summary>
    public Task WriteAsync(Stream to, CancellationToken ct) => Registry.CollectAndExportAsTextAsync(to, ct);
}
