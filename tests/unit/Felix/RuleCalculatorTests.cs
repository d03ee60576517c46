using L3Net.Felix.Policy;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Unit.Felix;

public sealed class RuleCalculatorTests
{
    private static WorkloadEndpoint Ep(string node, string pod, string ip, Dictionary<string, string> labels, string ns = "default")
        => new()
        {
            Metadata = { Name = $"{node}-{pod}-eth0", Namespace = ns, Labels = labels },
            Spec = new WorkloadEndpointSpec { Node = node, Pod = pod, InterfaceName = "cali" + pod, IpNetworks = [ip + "/32"] },
        };

    private static NetworkPolicy Policy(string name, Dictionary<string, string> podSelector, params NetworkPolicyIngressRule[] ingress)
        => new() { Metadata = { Name = name, Namespace = "default" }, Spec = new NetworkPolicySpec { PodSelector = new KubeLabelSelector { MatchLabels = podSelector }, Ingress = [.. ingress] } };

    private static readonly IPPool Pool = new() { Metadata = { Name = "p" }, Spec = { Cidr = "10.244.0.0/16", NatOutgoing = true } };

    [Fact]
    public void An_unselected_pod_gets_no_chain_and_nat_outgoing_masquerades_pool_traffic_leaving_the_pools()
    {
        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [Ep("n1", "a", "10.244.0.5", [])], [], [Pool]));
        Assert.Empty(rules.V4.Chains.Single(c => c.Name == "l3n-to-wl").Rules);
        Assert.Contains("-m set --match-set l3n-masq-pools src -m set ! --match-set l3n-all-pools dst -j MASQUERADE",
            rules.V4.Chains.Single(c => c.Name == "l3n-POSTROUTING").Rules);
        Assert.Equal(["10.244.0.0/16"], rules.Sets.Single(s => s.Name == "l3n-masq-pools").Members);
    }

    [Fact]
    public void A_selected_pod_is_isolated_and_allowed_peers_and_ports_come_from_sets_and_matches()
    {
        var web = Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" });
        var client = Ep("n2", "cli", "10.244.1.7", new() { ["role"] = "client" });
        var other = Ep("n2", "oth", "10.244.1.8", new() { ["role"] = "client" }, ns: "other");
        var policy = Policy("web", new() { ["app"] = "web" }, new NetworkPolicyIngressRule
        {
            From =
            [
                new NetworkPolicyPeer { PodSelector = new KubeLabelSelector { MatchLabels = new() { ["role"] = "client" } } },
                new NetworkPolicyPeer { IpBlock = new IpBlock { Cidr = "192.168.0.0/16", Except = ["192.168.1.0/24"] } },
            ],
            Ports = [new NetworkPolicyPort { Port = "80", EndPort = 90 }, new NetworkPolicyPort { Protocol = "UDP", Port = "53" }, new NetworkPolicyPort { Port = "http" }],
        });

        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [web, client, other], [policy], [Pool]));

        Assert.Equal(["-o caliweb -g l3n-tw-caliweb"], rules.V4.Chains.Single(c => c.Name == "l3n-to-wl").Rules);
        var epChain = rules.V4.Chains.Single(c => c.Name == "l3n-tw-caliweb").Rules;
        Assert.Equal("-j DROP", epChain[^1]);
        var policyChain = rules.V4.Chains.Single(c => c.Name.StartsWith("l3n-pi-", StringComparison.Ordinal));
        // 2 peers x 3 ports (the named port through a set of the selected pods' address-port pairs).
        Assert.Equal(6, policyChain.Rules.Count);
        Assert.Contains(policyChain.Rules, r => r.Contains("-p tcp --dport 80:90", StringComparison.Ordinal));
        Assert.Contains(policyChain.Rules, r => r.Contains("-p udp --dport 53", StringComparison.Ordinal));
        // The pod selector is namespaced: only the client in the policy's namespace is a member.
        var selectorSet = rules.Sets.Single(s => s.Name.StartsWith("l3n-s-", StringComparison.Ordinal));
        Assert.Equal(["10.244.1.7"], selectorSet.Members);
        Assert.True(rules.Sets.Single(s => s.Name.StartsWith("l3n-b-", StringComparison.Ordinal)).Members.SetEquals(["192.168.0.0/16", "192.168.1.0/24 nomatch"]));
    }

    [Fact]
    public void A_label_change_of_a_peer_changes_a_set_member_and_no_rule()
    {
        var web = Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" });
        var policy = Policy("web", new() { ["app"] = "web" }, new NetworkPolicyIngressRule
        {
            From = [new NetworkPolicyPeer { PodSelector = new KubeLabelSelector { MatchLabels = new() { ["role"] = "client" } } }],
        });
        var before = RuleCalculator.Calculate(new RuleInputs("n1", [web, Ep("n2", "c", "10.244.1.7", [])], [policy], [Pool]));
        var after = RuleCalculator.Calculate(new RuleInputs("n1", [web, Ep("n2", "c", "10.244.1.7", new() { ["role"] = "client" })], [policy], [Pool]));

        Assert.Equal(before.V4.Chains.SelectMany(c => c.RuleHashes), after.V4.Chains.SelectMany(c => c.RuleHashes));
        Assert.Empty(before.Sets.Single(s => s.Name.StartsWith("l3n-s-", StringComparison.Ordinal)).Members);
        Assert.Equal(["10.244.1.7"], after.Sets.Single(s => s.Name.StartsWith("l3n-s-", StringComparison.Ordinal)).Members);
    }

    [Fact]
    public void An_ingress_policy_without_rules_denies_everything_and_egress_defaults_follow_kubernetes()
    {
        var web = Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" });
        var denyAll = Policy("deny", []);
        var egress = new NetworkPolicy
        {
            Metadata = { Name = "eg", Namespace = "default" },
            Spec = new NetworkPolicySpec { PodSelector = new KubeLabelSelector(), Egress = [new NetworkPolicyEgressRule { Ports = [new NetworkPolicyPort { Port = "53", Protocol = "UDP" }] }] },
        };
        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [web], [denyAll, egress], [Pool]));

        // Both policies isolate ingress (Kubernetes always includes Ingress) and neither allows any.
        Assert.Equal(2, rules.V4.Chains.Count(c => c.Name.StartsWith("l3n-pi-", StringComparison.Ordinal) && c.Rules.Count == 0));
        Assert.Equal(["-i caliweb -g l3n-fw-caliweb"], rules.V4.Chains.Single(c => c.Name == "l3n-from-wl").Rules);
        Assert.Contains(rules.V4.Chains.Single(c => c.Name.StartsWith("l3n-po-", StringComparison.Ordinal)).Rules,
            r => r.StartsWith("-p udp --dport 53", StringComparison.Ordinal));
    }

    [Fact]
    public void Selector_expressions_follow_kubernetes_semantics()
    {
        var labels = new Dictionary<string, string> { ["tier"] = "db", ["env"] = "prod" };
        LabelSelectorRequirement R(string key, string op, params string[] values) => new() { Key = key, Operator = op, Values = [.. values] };
        Assert.True(KubeSelector.Matches(new KubeLabelSelector(), labels));
        Assert.True(KubeSelector.Matches(new KubeLabelSelector { MatchExpressions = [R("tier", "In", "db", "cache"), R("env", "NotIn", "dev"), R("env", "Exists"), R("x", "DoesNotExist")] }, labels));
        Assert.False(KubeSelector.Matches(new KubeLabelSelector { MatchExpressions = [R("tier", "NotIn", "db")] }, labels));
        Assert.False(KubeSelector.Matches(new KubeLabelSelector { MatchExpressions = [R("tier", "Bogus")] }, labels));
        Assert.Equal(KubeSelector.Canonical(new KubeLabelSelector { MatchLabels = new() { ["a"] = "1", ["b"] = "2" } }),
            KubeSelector.Canonical(new KubeLabelSelector { MatchLabels = new() { ["b"] = "2", ["a"] = "1" } }));
    }
}
