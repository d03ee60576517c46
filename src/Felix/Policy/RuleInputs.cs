using L3Net.Felix.Iptables;
using L3Net.Felix.Ipsets;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>Everything the iptables/ipset side is calculated from. <see cref="Endpoints"/> is cluster-wide (policy
/// peers may be anywhere); the ones on <see cref="Node"/> are the ones whose traffic this node filters.</summary>
public sealed record RuleInputs(
    string Node,
    IReadOnlyCollection<WorkloadEndpoint> Endpoints,
    IReadOnlyCollection<NetworkPolicy> Policies,
    IReadOnlyCollection<IPPool> Pools)
{
    /// <summary>Labels of a namespace, for namespaceSelector. Kubernetes sets <c>kubernetes.io/metadata.name</c> on every
    /// namespace; without a namespace store that is the label we know.</summary>
    public Func<string, IReadOnlyDictionary<string, string>> NamespaceLabels { get; init; } = DefaultNamespaceLabels;

    public static IReadOnlyDictionary<string, string> DefaultNamespaceLabels(string ns)
        => new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns };
}

/// <summary>The calculated iptables/ipset state: applied sets first, then chains and hooks, then stale sets removed.</summary>
public sealed record RuleSet(IReadOnlyList<Chain> Chains, IReadOnlyList<Hook> Hooks, IReadOnlyList<IpSet> Sets);
