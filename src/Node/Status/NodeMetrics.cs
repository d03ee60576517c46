using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace L3Net.Node.Status;

/// <summary>
/// The daemon's Prometheus metrics, kept in memory and rendered in the text exposition format on <c>/metrics</c>
/// (prometheus-net is not available here, and the format is a few lines). Every metric is declared once in
/// <see cref="Declared"/> with its type and help so that a typo in a name fails loudly instead of inventing a series.
/// </summary>
public sealed class NodeMetrics
{
    public static readonly IReadOnlyDictionary<string, (string Type, string Help)> Declared = new Dictionary<string, (string, string)>
    {
        ["l3net_bgp_sessions"] = ("gauge", "BGP sessions by FSM state."),
        ["l3net_bgp_prefixes_received"] = ("gauge", "Prefixes received from all peers."),
        ["l3net_bgp_prefixes_advertised"] = ("gauge", "Prefixes this node originates (blocks, borrowed /32s)."),
        ["l3net_bgp_route_changes_total"] = ("counter", "Loc-RIB changes handed to the dataplane."),
        ["l3net_dataplane_routes"] = ("gauge", "Routes the dataplane wants, by kind."),
        ["l3net_dataplane_apply_seconds"] = ("summary", "Time to apply one change set to the kernel."),
        ["l3net_dataplane_resyncs_total"] = ("counter", "Full comparisons of the dataplane with the kernel."),
        ["l3net_dataplane_repairs_total"] = ("counter", "Kernel objects put back after a resync found them changed."),
        ["l3net_dataplane_errors_total"] = ("counter", "Failed dataplane applies (retried at the next change or resync)."),
        ["l3net_ipam_reads_total"] = ("counter", "IPAM queries for this node's blocks and borrowed addresses."),
        ["l3net_datastore_resyncs_total"] = ("counter", "Watches restarted from a fresh list after history was compacted."),
        ["l3net_errors_total"] = ("counter", "Errors by component."),
    };

    private readonly ConcurrentDictionary<(string Name, string Labels), double> _values = new();

    public void Increment(string name, double by = 1, string labels = "")
        => _values.AddOrUpdate((Check(name), labels), by, (_, v) => v + by);

    public void Set(string name, double value, string labels = "") => _values[(Check(name), labels)] = value;

    /// <summary>One observation of a summary: adds to <c>NAME_sum</c> and <c>NAME_count</c>.</summary>
    public void Observe(string name, TimeSpan duration)
    {
        Check(name);
        _values.AddOrUpdate((name + "_sum", ""), duration.TotalSeconds, (_, v) => v + duration.TotalSeconds);
        _values.AddOrUpdate((name + "_count", ""), 1, (_, v) => v + 1);
    }

    /// <summary>Removes every series of a gauge (before setting a fresh labelled set, e.g. sessions by state).</summary>
    public void Reset(string name)
    {
        foreach (var key in _values.Keys.Where(k => k.Name == Check(name)))
            _values.TryRemove(key, out _);
    }

    public double Get(string name, string labels = "") => _values.GetValueOrDefault((name, labels));

    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var (name, (type, help)) in Declared.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            var series = _values.Where(kv => kv.Key.Name == name || kv.Key.Name.StartsWith(name + "_", StringComparison.Ordinal) && type == "summary")
                .OrderBy(kv => kv.Key.Name, StringComparer.Ordinal).ThenBy(kv => kv.Key.Labels, StringComparer.Ordinal).ToList();
            if (series.Count == 0 && type != "summary")
                sb.Append(CultureInfo.InvariantCulture, $"{name} 0\n");
            foreach (var ((n, labels), value) in series)
                sb.Append(CultureInfo.InvariantCulture, $"{n}{(labels.Length == 0 ? "" : "{" + labels + "}")} {value}\n");
        }
        return sb.ToString();
    }

    private static string Check(string name)
        => Declared.ContainsKey(name) ? name : throw new ArgumentException($"metric '{name}' is not declared", nameof(name));
}
