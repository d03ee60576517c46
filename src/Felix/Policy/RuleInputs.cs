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

/// <summary>One family's chains and hooks: written with iptables-restore for IPv4, ip6tables-restore for IPv6.</summary>
public sealed record FamilyRules(IpVersion Version, IReadOnlyList<Chain> Chains, IReadOnlyList<Hook> Hooks);

/// <summary>The calculated iptables/ipset state: applied sets first (both families share one ipset namespace), then
/// each family's chains and hooks, then stale sets removed.</summary>
public sealed record RuleSet(FamilyRules V4, FamilyRules V6, IReadOnlyList<IpSet> Sets)
{
    public IEnumerable<FamilyRules> Families => [V4, V6];
}
