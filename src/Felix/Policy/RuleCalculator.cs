using System.Net;
using System.Net.Sockets;
using L3Net.Felix.Iptables;
using L3Net.Felix.Ipsets;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>
/// Calculates L3Net's iptables chains and ipsets (IPv4) from endpoints, NetworkPolicies and pools, with Kubernetes
/// semantics: a pod selected by a policy of a direction is isolated in that direction, and then only traffic some
/// rule of some selecting policy allows passes. Peers are ipsets named after their selector, so a pod whose labels
/// change moves between sets while every rule stays byte-identical (and the applier writes no rule).
/// Layout (filter table), hooked from FORWARD:
/// <code>
/// l3n-FORWARD:  established → ACCEPT; -i cali+ → l3n-from-wl; -o cali+ → l3n-to-wl; cali+ either way → ACCEPT
/// l3n-from-wl / l3n-to-wl: one "-i/-o IFACE -g l3n-fw-/l3n-tw-IFACE" per isolated local endpoint
/// l3n-tw-IFACE: clear mark; per selecting policy: jump to its chain, RETURN if it set the allow mark; DROP
/// l3n-pi-HASH / l3n-po-HASH: per rule × peer × port: set the allow mark
/// </code>
/// NAT outgoing (nat table, hooked from POSTROUTING): pool-sourced traffic to destinations outside all pools is
/// masqueraded when its pool has natOutgoing.
/// </summary>
public static class RuleCalculator
{
    public const string AllowMark = "0x10000/0x10000";

    public static readonly Hook[] Hooks = [new("filter", "FORWARD", "l3n-FORWARD"), new("nat", "POSTROUTING", "l3n-POSTROUTING")];

    public static RuleSet Calculate(RuleInputs inputs)
    {
        var chains = new List<Chain>();
        var sets = new Dictionary<string, IpSet>();
        var (natChain, natSets) = NatOutgoing(inputs.Pools);
        chains.Add(natChain);
        foreach (var s in natSets)
            sets[s.Name] = s;

        var policies = inputs.Policies.OrderBy(p => p.Metadata.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        var from = new List<string>();
        var to = new List<string>();
        var renderedPolicies = new Dictionary<string, Chain>();
        foreach (var ep in inputs.Endpoints.Where(e => e.Spec.Node == inputs.Node && e.Spec.InterfaceName.Length > 0)
                     .OrderBy(e => e.Spec.InterfaceName, StringComparer.Ordinal))
        {
            var selecting = policies.Where(p => p.Metadata.Namespace == ep.Metadata.Namespace
                                                && KubeSelector.Matches(p.Spec.PodSelector, ep.Metadata.Labels)).ToList();
            foreach (var ingress in new[] { true, false })
            {
                var applying = selecting.Where(p => Types(p).Contains(ingress ? "Ingress" : "Egress")).ToList();
                if (applying.Count == 0)
                    continue;
                var iface = ep.Spec.InterfaceName;
                var epChain = (ingress ? "l3n-tw-" : "l3n-fw-") + iface;
                (ingress ? to : from).Add($"{(ingress ? "-o" : "-i")} {iface} -g {epChain}");
                var rules = new List<string> { "-j MARK --set-xmark 0x0/0x10000" };
                foreach (var p in applying)
                {
                    var pc = PolicyChain(p, ingress, inputs, sets);
                    renderedPolicies[pc.Name] = pc;
                    rules.Add($"-j {pc.Name}");
                    rules.Add($"-m mark --mark {AllowMark} -j RETURN");
                }
                rules.Add("-j DROP");
                chains.Add(new Chain("filter", epChain, rules));
            }
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
        return new RuleSet(chains, Hooks, [.. sets.Values]);
    }

    /// <summary>Kubernetes defaulting: Ingress always, Egress when the policy has egress rules.</summary>
    private static IReadOnlyCollection<string> Types(NetworkPolicy p)
        => p.Spec.PolicyTypes is { Count: > 0 } t ? t : p.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];

    private static Chain PolicyChain(NetworkPolicy p, bool ingress, RuleInputs inputs, Dictionary<string, IpSet> sets)
    {
        var ns = p.Metadata.Namespace ?? "default";
        var name = (ingress ? "l3n-pi-" : "l3n-po-") + Chain.ShortHash($"{ns}/{p.Metadata.Name}");
        var dir = ingress ? "src" : "dst";
        var rules = new List<string>();
        var specRules = ingress
            ? (p.Spec.Ingress ?? []).Select(r => (r.From, r.Ports))
            : (p.Spec.Egress ?? []).Select(r => (From: r.To, r.Ports));
        foreach (var (peers, ports) in specRules)
        {
            var peerMatches = peers is { Count: > 0 }
                ? peers.Select(peer => PeerSet(peer, ns, inputs, sets)).Where(s => s is not null).Select(s => $"-m set --match-set {s} {dir} ").ToList()
                : [""];
            var portMatches = ports is { Count: > 0 } ? ports.Select(Port).Where(m => m is not null).Select(m => m!).ToList() : [""];
            foreach (var pm in peerMatches)
            {
                foreach (var port in portMatches)
                    rules.Add($"{pm}{port}-j MARK --set-xmark {AllowMark}".Replace("  ", " ", StringComparison.Ordinal));
            }
        }
        return new Chain("filter", name, rules);
    }

    /// <summary>The ipset holding a peer's addresses (created on first use), or null for a peer of another family.</summary>
    private static string? PeerSet(NetworkPolicyPeer peer, string policyNamespace, RuleInputs inputs, Dictionary<string, IpSet> sets)
    {
        if (peer.IpBlock is { } block)
        {
            if (!IPNetwork.TryParse(block.Cidr, out var cidr) || cidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
                return null;
            var blockName = "l3n-b-" + Chain.ShortHash(block.Cidr + "|" + string.Join(',', block.Except ?? []));
            sets.TryAdd(blockName, new IpSet(blockName, false,
                [block.Cidr, .. (block.Except ?? []).Where(e => !e.Contains(':', StringComparison.Ordinal)).Select(e => e + " nomatch")]));
            return blockName;
        }
        var key = $"{(peer.NamespaceSelector is null ? policyNamespace : "*")}|{KubeSelector.Canonical(peer.NamespaceSelector)}|{KubeSelector.Canonical(peer.PodSelector)}";
        var name = "l3n-s-" + Chain.ShortHash(key);
        if (!sets.ContainsKey(name))
        {
            var members = inputs.Endpoints.Where(e =>
                    (peer.NamespaceSelector is null
                        ? e.Metadata.Namespace == policyNamespace
                        : KubeSelector.Matches(peer.NamespaceSelector, inputs.NamespaceLabels(e.Metadata.Namespace ?? "default")))
                    && (peer.PodSelector is null || KubeSelector.Matches(peer.PodSelector, e.Metadata.Labels)))
                .SelectMany(e => e.Spec.IpNetworks).Where(a => !a.Contains(':', StringComparison.Ordinal));
            sets[name] = new IpSet(name, false, members);
        }
        return name;
    }

    /// <summary>The protocol/port match of a policy port, or null for a named port (not resolvable without the pods'
    /// container ports, so it allows nothing rather than everything).</summary>
    private static string? Port(NetworkPolicyPort port)
    {
        var proto = (port.Protocol ?? "TCP").ToLowerInvariant();
        if (port.Port is null)
            return $"-p {proto} ";
        if (!int.TryParse(port.Port, out var number))
            return null;
        return port.EndPort is { } end ? $"-p {proto} --dport {number}:{end} " : $"-p {proto} --dport {number} ";
    }

    private static (Chain Chain, IpSet[] Sets) NatOutgoing(IEnumerable<IPPool> pools)
    {
        var v4 = pools.Where(p => !p.Spec.Cidr.Contains(':', StringComparison.Ordinal) && p.Spec.Cidr.Length > 0).ToList();
        var all = new IpSet("l3n-all-pools", false, v4.Select(p => p.Spec.Cidr));
        var masq = new IpSet("l3n-masq-pools", false, v4.Where(p => p.Spec.NatOutgoing).Select(p => p.Spec.Cidr));
        var chain = new Chain("nat", "l3n-POSTROUTING", masq.Members.Count == 0 ? [] :
            [$"-m set --match-set {masq.Name} src -m set ! --match-set {all.Name} dst -j MASQUERADE"]);
        return (chain, [all, masq]);
    }
}
