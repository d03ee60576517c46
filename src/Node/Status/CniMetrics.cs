using System.Net;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Prometheus;

namespace L3Net.Node.Status;

/// <summary>
/// CNI ADD and DEL as the node sees them, without the plugin doing anything more: a successful ADD ends by writing the
/// pod's WorkloadEndpoint, a DEL by deleting it, so the node counts the endpoints of this node that appear (or change
/// container) and disappear between the snapshots it reads. The ADD's latency comes from two times the plugin already
/// records: when IPAM assigned the pod's address (the allocation's <c>assigned</c>) and when it wrote the endpoint
/// (<c>creationTimestamp</c>); that covers IPAM, the veth and the endpoint write, not the process start before it. On
/// the Kubernetes datastore the API server sets <c>creationTimestamp</c> itself, in whole seconds, so there is no ADD
/// latency to take (<see cref="PluginStampsEndpoints"/> off), only the counts.
/// What this cannot see: failed ADDs and DELs, an ADD and a DEL of one pod between two snapshots, and DEL latency
/// (a deletion leaves no time behind). The plugin reporting to the node would see those, at the price of a socket
/// write in every ADD; the endpoints cost the ADD nothing.
/// </summary>
public sealed class CniMetrics
{
    /// <summary>1 ms to about 16 s, as the dataplane's: an ADD takes tens of milliseconds on a quiet node.</summary>
    private static readonly double[] Buckets = Histogram.ExponentialBuckets(0.001, 2, 15);
    private readonly Counter _adds, _dels;
    private readonly Histogram _addSeconds;
    private Dictionary<string, string>? _known;

    internal CniMetrics(IMetricFactory f)
    {
        _adds = f.CreateCounter("l3net_cni_add_total", "CNI ADDs on this node, counted from WorkloadEndpoints appearing.");
        _dels = f.CreateCounter("l3net_cni_del_total", "CNI DELs on this node, counted from WorkloadEndpoints disappearing.");
        _addSeconds = f.CreateHistogram("l3net_cni_add_seconds",
            "CNI ADD from the pod's address assignment to its WorkloadEndpoint write, both as the plugin stamped them.",
            new HistogramConfiguration { Buckets = Buckets });
    }

    /// <summary>Whether an endpoint's <c>creationTimestamp</c> is the plugin's (SQLite, etcd) rather than an API
    /// server's.</summary>
    public bool PluginStampsEndpoints { get; set; } = true;

    /// <summary>Compares this node's endpoints with the previous snapshot's; the first snapshot is only the baseline
    /// (the pods that were there before the daemon started were not added now).</summary>
    public void Update(string node, IReadOnlyCollection<WorkloadEndpoint> endpoints, IReadOnlyList<BlockInfo> blocks)
    {
        var local = endpoints.Where(e => e.Spec.Node == node)
            .ToDictionary(e => $"{e.Metadata.Namespace}/{e.Metadata.Name}", e => e.Spec.ContainerId, StringComparer.Ordinal);
        if (_known is { } known)
        {
            var added = endpoints.Where(e => e.Spec.Node == node && known.GetValueOrDefault($"{e.Metadata.Namespace}/{e.Metadata.Name}") != e.Spec.ContainerId).ToList();
            var deleted = known.Count(k => local.GetValueOrDefault(k.Key) != k.Value);
            _adds.Inc(added.Count);
            _dels.Inc(deleted);
            if (added.Count > 0 && PluginStampsEndpoints)
            {
                var assigned = blocks.SelectMany(b => b.Allocations).ToDictionary(a => a.Address, a => a.Assigned);
                foreach (var e in added)
                    if (AddDuration(e, assigned) is { } seconds)
                        _addSeconds.Observe(seconds);
            }
        }
        _known = local;
    }

    private static double? AddDuration(WorkloadEndpoint e, Dictionary<IPAddress, DateTimeOffset> assigned)
    {
        var first = e.Spec.IpNetworks.Select(n => IPNetwork.TryParse(n, out var net) && assigned.TryGetValue(net.BaseAddress, out var at) ? at : (DateTimeOffset?)null)
            .OfType<DateTimeOffset>().DefaultIfEmpty().Min();
        if (first == default || e.Metadata.CreationTimestamp is not { } written)
            return null;
        var seconds = (written - first).TotalSeconds;
        // A negative span would be a clock stepped back between the two stamps: no figure rather than a wrong one.
        return seconds >= 0 ? seconds : null;
    }
}
