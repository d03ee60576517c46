using L3Net.Felix.Ipsets;
using L3Net.Felix.Policy;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Unit.Felix;

public sealed class RuleCalculatorTests
{
    private static WorkloadEndpoint Ep(string node, string pod, string ip, Dictionary<string, string> labels, string ns = "default",
        string? ip6 = null, params WorkloadEndpointPort[] ports)
        => new()
        {
            Metadata = { Name = $"{node}-{pod}-eth0", Namespace = ns, Labels = labels },
            Spec = new WorkloadEndpointSpec
            {
                Node = node, Pod = pod, InterfaceName = "cali" + pod, IpNetworks = ip6 is null ? [ip + "/32"] : [ip + "/32", ip6 + "/128"],
                Ports = ports.Length == 0 ? null : [.. ports],
            },
        };

    private static WorkloadEndpointPort NamedPort(string name, int port, string protocol = "TCP") => new() { Name = name, Port = port, Protocol = protocol };

    private static NetworkPolicyPeer PodPeer(string key, string value) => new() { PodSelector = new KubeLabelSelector { MatchLabels = new() { [key] = value } } };

    private static readonly IPPool Pool6 = new() { Metadata = { Name = "p6" }, Spec = { Cidr = "fd00:10::/64", NatOutgoing = true } };

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
    public void Both_families_get_the_same_chains_with_sets_of_their_own_family()
    {
        var web = Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" }, ip6: "fd00:10::5");
        var client = Ep("n2", "cli", "10.244.1.7", new() { ["role"] = "client" }, ip6: "fd00:10::7");
        var policy = Policy("web", new() { ["app"] = "web" }, new NetworkPolicyIngressRule
        {
            From =
            [
                PodPeer("role", "client"),
                new NetworkPolicyPeer { IpBlock = new IpBlock { Cidr = "2001:db8::/32", Except = ["2001:db8:1::/48"] } },
                new NetworkPolicyPeer { IpBlock = new IpBlock { Cidr = "192.168.0.0/16" } },
            ],
        });

        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [web, client], [policy], [Pool, Pool6]));

        Assert.Equal(rules.V4.Chains.Select(c => c.Key).Order(), rules.V6.Chains.Select(c => c.Key).Order());
        Assert.Equal(rules.V4.Hooks, rules.V6.Hooks);
        Assert.Equal(["-o caliweb -g l3n-tw-caliweb"], rules.V6.Chains.Single(c => c.Name == "l3n-to-wl").Rules);
        // IPv6: the selector's set and the v6 ipBlock; the v4 ipBlock allows no IPv6 traffic, and the reverse.
        var v6Policy = rules.V6.Chains.Single(c => c.Name.StartsWith("l3n-pi-", StringComparison.Ordinal)).Rules;
        var v4Policy = rules.V4.Chains.Single(c => c.Name.StartsWith("l3n-pi-", StringComparison.Ordinal)).Rules;
        Assert.Equal(2, v6Policy.Count);
        Assert.Equal(2, v4Policy.Count);
        Assert.All(v6Policy, r => Assert.Matches("--match-set l3n-(s|b)6-", r));
        Assert.All(v4Policy, r => Assert.Matches("--match-set l3n-(s|b)-", r));
        var selector6 = rules.Sets.Single(s => s.Name.StartsWith("l3n-s6-", StringComparison.Ordinal));
        Assert.True(selector6.IPv6);
        Assert.Equal(["fd00:10::7"], selector6.Members);
        Assert.Equal(["10.244.1.7"], rules.Sets.Single(s => s.Name.StartsWith("l3n-s-", StringComparison.Ordinal)).Members);
        Assert.True(rules.Sets.Single(s => s.Name.StartsWith("l3n-b6-", StringComparison.Ordinal)).Members.SetEquals(["2001:db8::/32", "2001:db8:1::/48 nomatch"]));
        Assert.Equal("create l3n-x hash:net family inet6", selector6.CreateLine("l3n-x"));
        // NAT outgoing per family: each masquerades its own pools leaving all pools of its family.
        Assert.Equal(["-m set --match-set l3n-masq-pools6 src -m set ! --match-set l3n-all-pools6 dst -j MASQUERADE"],
            rules.V6.Chains.Single(c => c.Name == "l3n-POSTROUTING").Rules);
        Assert.Equal(["fd00:10::/64"], rules.Sets.Single(s => s.Name == "l3n-masq-pools6").Members);
        Assert.Equal(["10.244.0.0/16"], rules.Sets.Single(s => s.Name == "l3n-all-pools").Members);
    }

    [Fact]
    public void A_named_port_resolves_on_the_selected_pods_for_ingress_and_on_the_peers_for_egress()
    {
        var web = Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" }, ip6: "fd00:10::5", ports: NamedPort("http", 8080));
        var web2 = Ep("n2", "web2", "10.244.1.5", new() { ["app"] = "web" }, ports: [NamedPort("http", 9090), NamedPort("http", 53, "UDP")]);
        var db = Ep("n2", "db", "10.244.1.9", new() { ["app"] = "db" }, ports: NamedPort("sql", 5432));
        var ingress = Policy("web", new() { ["app"] = "web" }, new NetworkPolicyIngressRule { Ports = [new NetworkPolicyPort { Port = "http" }] });
        var egress = new NetworkPolicy
        {
            Metadata = { Name = "to-db", Namespace = "default" },
            Spec = new NetworkPolicySpec
            {
                PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = "web" } },
                PolicyTypes = ["Egress"],
                Egress = [new NetworkPolicyEgressRule { To = [PodPeer("app", "db")], Ports = [new NetworkPolicyPort { Port = "sql" }] }],
            },
        };

        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [web, web2, db], [ingress, egress], [Pool]));

        var np = rules.Sets.Where(s => s.Type == IpSetType.IpPort).ToList();
        // Ingress "http": the selected web pods' own TCP ports named http (web2's UDP "http" is another port).
        var http = np.Single(s => s.Members.Contains("10.244.0.5,tcp:8080"));
        Assert.True(http.Members.SetEquals(["10.244.0.5,tcp:8080", "10.244.1.5,tcp:9090"]));
        Assert.Contains(np, s => s.IPv6 && s.Name.StartsWith("l3n-np6-", StringComparison.Ordinal) && s.Members.SetEquals(["fd00:10::5,tcp:8080"]));
        Assert.Equal("create l3n-x hash:ip,port family inet", http.CreateLine("l3n-x"));
        Assert.Equal([$"-p tcp -m set --match-set {http.Name} dst,dst -j MARK --set-xmark {RuleCalculator.AllowMark}"],
            rules.V4.Chains.Single(c => c.Name.StartsWith("l3n-pi-", StringComparison.Ordinal)).Rules);
        // Egress "sql": the db peer's port, matched with the peer.
        var sql = np.Single(s => !s.IPv6 && s.Members.Contains("10.244.1.9,tcp:5432"));
        Assert.Single(sql.Members);
        var egressRule = Assert.Single(rules.V4.Chains.Single(c => c.Name.StartsWith("l3n-po-", StringComparison.Ordinal)).Rules);
        Assert.Contains($"-p tcp -m set --match-set {sql.Name} dst,dst", egressRule);
    }

    [Fact]
    public void A_pod_gaining_a_named_port_or_a_label_changes_sets_and_no_rule_in_either_family()
    {
        var ingress = Policy("web", new() { ["app"] = "web" }, new NetworkPolicyIngressRule
        {
            From = [PodPeer("role", "client")],
            Ports = [new NetworkPolicyPort { Port = "http" }],
        });
        RuleSet Render(WorkloadEndpoint web, WorkloadEndpoint client)
            => RuleCalculator.Calculate(new RuleInputs("n1", [web, client], [ingress], [Pool, Pool6]));
        var before = Render(Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" }, ip6: "fd00:10::5"),
            Ep("n2", "cli", "10.244.1.7", [], ip6: "fd00:10::7"));
        var after = Render(Ep("n1", "web", "10.244.0.5", new() { ["app"] = "web" }, ip6: "fd00:10::5", ports: NamedPort("http", 80)),
            Ep("n2", "cli", "10.244.1.7", new() { ["role"] = "client" }, ip6: "fd00:10::7"));

        foreach (var (b, a) in before.Families.Zip(after.Families))
            Assert.Equal(b.Chains.SelectMany(c => c.RuleHashes), a.Chains.SelectMany(c => c.RuleHashes));
        Assert.Equal(before.Sets.Select(s => s.Name).Order(), after.Sets.Select(s => s.Name).Order());
        var changed = after.Sets.Where(s => !s.Members.SetEquals(before.Sets.Single(b => b.Name == s.Name).Members))
            .SelectMany(s => s.Members).Order().ToList();
        Assert.Equal(["10.244.0.5,tcp:80", "10.244.1.7", "fd00:10::5,tcp:80", "fd00:10::7"], changed);
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
