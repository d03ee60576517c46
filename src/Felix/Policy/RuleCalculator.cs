using L3Net.Felix.Iptables;
using L3Net.Felix.Ipsets;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>
/// Calculates L3Net's iptables chains (IPv4 and IPv6 alike) and ipsets from endpoints, NetworkPolicies and pools, with
/// Kubernetes semantics: a pod selected by a policy of a direction is isolated in that direction, and then only
/// traffic some rule of some selecting policy allows passes. Isolation is the pod's, not a family's, so every local
/// endpoint gets its chains in both families (a dual-stack pod's /32 and /128 are filtered alike). Peers and named ports
/// are ipsets (<see cref="PolicyMatches"/>), so a pod whose labels or ports change moves between sets while every rule
/// stays byte-identical (and the applier writes no rule).
/// Layout (filter table of each family), hooked from FORWARD:
/// <code>
/// l3n-FORWARD:  established → ACCEPT; -i cali+ → l3n-from-wl; -o cali+ → l3n-to-wl; cali+ either way → ACCEPT
/// l3n-from-wl / l3n-to-wl: one "-i/-o IFACE -g l3n-fw-/l3n-tw-IFACE" per isolated local endpoint
/// l3n-tw-IFACE: clear mark; per selecting policy: jump to its chain, RETURN if it set the allow mark; DROP
/// l3n-pi-HASH / l3n-po-HASH: per rule × peer × port: set the allow mark
/// </code>
/// NAT outgoing (nat table of each family, hooked from POSTROUTING): pool-sourced traffic to destinations outside all
/// pools of that family is masqueraded when its pool has natOutgoing.
/// </summary>
public static class RuleCalculator
{
    public const string AllowMark = "0x10000/0x10000";

    public static readonly Hook[] Hooks = [new("filter", "FORWARD", "l3n-FORWARD"), new("nat", "POSTROUTING", "l3n-POSTROUTING")];

    /// <summary>The whole calculation at once: every pod set filled from every endpoint of <paramref name="inputs"/>.
    /// <see cref="IncrementalRules"/> gives the same result change by change.</summary>
    public static RuleSet Calculate(RuleInputs inputs)
    {
        var sets = new FilledSets(inputs);
        var (v4, v6) = Render(inputs, sets);
        return new RuleSet(v4, v6, [.. sets.Sets.Values]);
    }

    /// <summary>Both families' chains, with every set they refer to handed to <paramref name="sets"/>. Of the endpoints
    /// only the local ones count here (they are the ones filtered); the rest matter only as set members.</summary>
    public static (FamilyRules V4, FamilyRules V6) Render(RuleInputs inputs, IRuleSetSink sets)
    {
        var policies = inputs.Policies.OrderBy(p => p.Metadata.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        var isolated = Isolated(inputs, policies);
        return (Family(inputs, IpVersion.V4, isolated, sets), Family(inputs, IpVersion.V6, isolated, sets));
    }

    /// <summary>Whether <paramref name="ep"/> is one whose traffic <paramref name="node"/> filters.</summary>
    public static bool IsLocal(WorkloadEndpoint ep, string node) => ep.Spec.Node == node && ep.Spec.InterfaceName.Length > 0;

    /// <summary>Each local endpoint isolated in a direction, with the policies that select it for that direction.</summary>
    private static List<(string Interface, bool Ingress, List<NetworkPolicy> Policies)> Isolated(RuleInputs inputs, List<NetworkPolicy> policies)
    {
        var isolated = new List<(string, bool, List<NetworkPolicy>)>();
        foreach (var ep in inputs.Endpoints.Where(e => IsLocal(e, inputs.Node))
                     .OrderBy(e => e.Spec.InterfaceName, StringComparer.Ordinal))
        {
            var selecting = policies.Where(p => p.Metadata.Namespace == ep.Metadata.Namespace
                                                && KubeSelector.Matches(p.Spec.PodSelector, ep.Metadata.Labels)).ToList();
            foreach (var ingress in new[] { true, false })
            {
                var applying = selecting.Where(p => Types(p).Contains(ingress ? "Ingress" : "Egress")).ToList();
                if (applying.Count > 0)
                    isolated.Add((ep.Spec.InterfaceName, ingress, applying));
            }
        }
        return isolated;
    }

    private static FamilyRules Family(RuleInputs inputs, IpVersion version, List<(string Interface, bool Ingress, List<NetworkPolicy> Policies)> isolated,
        IRuleSetSink sets)
    {
        var matches = new PolicyMatches(version, sets);
        var chains = new List<Chain> { NatOutgoing(inputs.Pools, version, sets) };
        var from = new List<string>();
        var to = new List<string>();
        var renderedPolicies = new Dictionary<string, Chain>();
        foreach (var (iface, ingress, applying) in isolated)
        {
            var epChain = (ingress ? "l3n-tw-" : "l3n-fw-") + iface;
            (ingress ? to : from).Add($"{(ingress ? "-o" : "-i")} {iface} -g {epChain}");
            var rules = new List<string> { "-j MARK --set-xmark 0x0/0x10000" };
            foreach (var p in applying)
            {
                var pc = PolicyChain(p, ingress, matches);
                renderedPolicies[pc.Name] = pc;
                rules.Add($"-j {pc.Name}");
                rules.Add($"-m mark --mark {AllowMark} -j RETURN");
            }
            rules.Add("-j DROP");
            chains.Add(new Chain("filter", epChain, rules));
        }
        chains.AddRange(renderedPolicies.Values);
        chains.Add(new Chain("filter", "l3n-from-wl", from));
        chains.Add(new Chain("filter", "l3n-to-wl", to));
        chains.Add(new Chain("filter", "l3n-FORWARD",
        [
            "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-i cali+ -j l3n-from-wl",
            "-o cali+ -j l3n-to-wl",
            "-i cali+ -j ACCEPT",
            "-o cali+ -j ACCEPT",
        ]));
        return new FamilyRules(version, chains, Hooks);
    }

    /// <summary>Kubernetes defaulting: Ingress always, Egress when the policy has egress rules.</summary>
    private static IReadOnlyCollection<string> Types(NetworkPolicy p)
        => p.Spec.PolicyTypes is { Count: > 0 } t ? t : p.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];

    /// <summary>One rule per peer × port; a peer of the other family contributes none, so an IPv4 ipBlock allows no
    /// IPv6 traffic. A named port resolves on the destination pods: for ingress the pods the policy selects, for egress
    /// the peer's pods (every pod, for an ipBlock peer or a rule without peers).</summary>
    private static Chain PolicyChain(NetworkPolicy p, bool ingress, PolicyMatches matches)
    {
        var ns = p.Metadata.Namespace ?? "default";
        var name = (ingress ? "l3n-pi-" : "l3n-po-") + Chain.ShortHash($"{ns}/{p.Metadata.Name}");
        var selected = new PodSelection(ns, null, p.Spec.PodSelector);
        var rules = new List<string>();
        var specRules = ingress
            ? (p.Spec.Ingress ?? []).Select(r => (Peers: r.From, r.Ports))
            : (p.Spec.Egress ?? []).Select(r => (Peers: r.To, r.Ports));
        foreach (var (peers, ports) in specRules)
        {
            IEnumerable<NetworkPolicyPeer?> rulePeers = peers is { Count: > 0 } ? peers : new NetworkPolicyPeer?[] { null };
            foreach (var peer in rulePeers)
            {
                var peerMatch = peer is null ? "" : matches.Peer(peer, ns, ingress ? "src" : "dst");
                if (peerMatch is null)
                    continue;
                var destinations = ingress ? selected : peer is { IpBlock: null } ? PodSelection.Of(peer, ns) : PodSelection.All;
                foreach (var port in ports is { Count: > 0 } ? ports.Select(port => matches.Port(port, destinations)) : [""])
                    rules.Add($"{peerMatch}{port}-j MARK --set-xmark {AllowMark}");
            }
        }
        return new Chain("filter", name, rules);
    }

    private static Chain NatOutgoing(IEnumerable<IPPool> pools, IpVersion version, IRuleSetSink sets)
    {
        var mine = pools.Where(p => p.Spec.Cidr.Length > 0 && version.Holds(p.Spec.Cidr)).ToList();
        var all = new IpSet(version.FixedSetName("l3n-all-pools"), version.IPv6, mine.Select(p => p.Spec.Cidr));
        var masq = new IpSet(version.FixedSetName("l3n-masq-pools"), version.IPv6, mine.Where(p => p.Spec.NatOutgoing).Select(p => p.Spec.Cidr));
        sets.Fixed(all);
        sets.Fixed(masq);
        return new Chain("nat", "l3n-POSTROUTING", masq.Members.Count == 0 ? [] :
            [$"-m set --match-set {masq.Name} src -m set ! --match-set {all.Name} dst -j MASQUERADE"]);
    }

    /// <summary>Every set filled at once from all endpoints; the first of equal names wins (equal names, equal sets).</summary>
    private sealed class FilledSets(RuleInputs inputs) : IRuleSetSink
    {
        public Dictionary<string, IpSet> Sets { get; } = [];

        public void Fixed(IpSet set) => Sets.TryAdd(set.Name, set);

        public void Pods(PodSetSpec spec)
        {
            if (!Sets.ContainsKey(spec.Name))
                Sets[spec.Name] = new IpSet(spec.Name, spec.Version.IPv6, inputs.Endpoints.SelectMany(e => spec.MembersOf(e, inputs.NamespaceLabels)), spec.Type);
        }
    }
}
