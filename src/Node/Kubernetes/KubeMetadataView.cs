using L3Net.Felix.Policy;

namespace L3Net.Node.Kubernetes;

/// <summary>
/// A copy of the Kubernetes metadata at one moment, and how it maps onto the model Felix and the peer calculation
/// already consume, so neither needs to know about the API:
/// <list type="bullet">
/// <item>a WorkloadEndpoint's labels and named ports become its pod's current ones (the CNI plugin copied them once,
/// at ADD, and an older plugin copied no ports);</item>
/// <item>a namespace's labels answer namespaceSelectors (with <c>kubernetes.io/metadata.name</c>, which the API sets on
/// every namespace, for one not seen yet);</item>
/// <item>a Node resource gets its Kubernetes Node's labels under its own (the l3net ones win, so an operator can
/// override), and the InternalIP as its BGP address when it has none.</item>
/// </list>
/// </summary>
public sealed record KubeMetadataView(
    IReadOnlyDictionary<string, KubePodInfo> Pods,
    IReadOnlyDictionary<string, Dictionary<string, string>> NamespaceLabels,
    IReadOnlyDictionary<string, KubeNodeInfo> Nodes)
{
    /// <summary>Applies the view to a snapshot freshly read from the datastore (its objects are its own to change).</summary>
    public ClusterSnapshot ApplyTo(ClusterSnapshot snapshot)
    {
        foreach (var ep in snapshot.Endpoints)
        {
            if (Pods.TryGetValue($"{ep.Metadata.Namespace}/{ep.Spec.Pod}", out var pod))
            {
                ep.Metadata.Labels = new Dictionary<string, string>(pod.Labels);
                ep.Spec.Ports = pod.Ports.Count == 0 ? null : [.. pod.Ports];
            }
        }
        foreach (var node in snapshot.Nodes)
        {
            if (!Nodes.TryGetValue(node.Metadata.Name, out var kube))
                continue;
            var merged = new Dictionary<string, string>(kube.Labels);
            foreach (var (k, v) in node.Metadata.Labels)
                merged[k] = v;
            node.Metadata.Labels = merged;
            if (node.Spec.Bgp is { Ipv4Address: null or "" } bgp && kube.InternalIp is { } ip)
                bgp.Ipv4Address = ip + "/32";
        }
        return snapshot with { NamespaceLabels = Namespace };
    }

    private IReadOnlyDictionary<string, string> Namespace(string ns)
        => NamespaceLabels.TryGetValue(ns, out var labels) ? labels : RuleInputs.DefaultNamespaceLabels(ns);
}
