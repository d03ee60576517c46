using L3Net.Felix;
using L3Net.Felix.Iptables;
using L3Net.Felix.Ipsets;
using L3Net.Felix.Policy;
using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Felix;

/// <summary>The iptables and ipset appliers against a real kernel, in a namespace of the test's own.</summary>
public sealed class FelixAppliersTests
{
    private static readonly Hook[] Hooks = [new("filter", "FORWARD", "l3n-FORWARD"), new("nat", "POSTROUTING", "l3n-POSTROUTING")];

    private static Chain[] Chains(string forwardRule) =>
    [
        new("filter", "l3n-FORWARD", ["-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", forwardRule]),
        new("nat", "l3n-POSTROUTING", ["-s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE"]),
    ];

    [Fact]
    public async Task Chains_are_written_once_repaired_after_hand_edits_and_removed_without_touching_foreign_rules()
    {
        Requires.Command("iptables-restore");
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        host.Exec("iptables", "-A", "FORWARD", "-s", "192.0.2.1", "-j", "DROP").EnsureOk("foreign rule");
        var applier = new IptablesApplier(CommandRunner.InNamespace(host.Namespace));

        var first = await applier.ApplyAsync(Chains("-i cali+ -j ACCEPT"), Hooks, resync: true, TestContext.Current.CancellationToken);
        Assert.Equal(new IptablesApplyResult(2, 0, 2), first);
        var again = await applier.ApplyAsync(Chains("-i cali+ -j ACCEPT"), Hooks, resync: true, TestContext.Current.CancellationToken);
        Assert.False(again.Changed, "an unchanged resync rewrote something");

        // Only the changed chain is rewritten.
        var one = await applier.ApplyAsync(Chains("-o cali+ -j ACCEPT"), Hooks, resync: false, TestContext.Current.CancellationToken);
        Assert.Equal(new IptablesApplyResult(1, 0, 0), one);
        Assert.Contains("-o cali+", Save(host));

        // Drift: a rule deleted by hand, a second jump added by hand; the resync puts it back exactly.
        host.Exec("iptables", "-D", "l3n-FORWARD", "2").EnsureOk("delete by hand");
        host.Exec("iptables", "-A", "FORWARD", "-j", "l3n-FORWARD").EnsureOk("duplicate jump");
        var repaired = await applier.ApplyAsync(Chains("-o cali+ -j ACCEPT"), Hooks, resync: true, TestContext.Current.CancellationToken);
        Assert.Equal(new IptablesApplyResult(1, 0, 1), repaired);
        var save = Save(host);
        Assert.Contains("-o cali+", save);
        Assert.Single(save.Split('\n'), l => l.Trim() == "-A FORWARD -j l3n-FORWARD");

        // Everything of ours goes; the foreign rule stays.
        var gone = await applier.ApplyAsync([], [], resync: true, TestContext.Current.CancellationToken);
        Assert.Equal(2, gone.ChainsDeleted);
        save = Save(host);
        Assert.DoesNotContain("l3n-", save);
        Assert.Contains("-A FORWARD -s 192.0.2.1/32 -j DROP", save);
    }

    [Fact]
    public async Task Sets_change_member_by_member_are_repaired_on_resync_and_destroyed_when_unwanted()
    {
        Requires.Command("ipset");
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        var ipsets = new IpsetApplier(CommandRunner.InNamespace(host.Namespace));

        await ipsets.UpdateAsync([new IpSet("l3n-web", false, ["10.244.1.5/32", "10.1.0.0/16", "10.1.2.0/24 nomatch"])], resync: true, TestContext.Current.CancellationToken);
        Assert.Equal(1, await ipsets.UpdateAsync([new IpSet("l3n-web", false, ["10.244.1.5/32", "10.244.1.6/32", "10.1.0.0/16", "10.1.2.0/24 nomatch"])], resync: false, TestContext.Current.CancellationToken));
        Assert.True(host.Exec("ipset", "test", "l3n-web", "10.244.1.6").Ok);
        Assert.False(host.Exec("ipset", "test", "l3n-web", "10.1.2.7").Ok, "the nomatch exception did not hold");
        Assert.True(host.Exec("ipset", "test", "l3n-web", "10.1.3.7").Ok);

        host.Exec("ipset", "del", "l3n-web", "10.244.1.5").EnsureOk("delete by hand");
        host.Exec("ipset", "create", "l3n-leftover", "hash:net").EnsureOk("leftover set");
        var desired = new IpSet("l3n-web", false, ["10.244.1.5/32", "10.244.1.6/32", "10.1.0.0/16", "10.1.2.0/24 nomatch"]);
        Assert.NotEqual(0, await ipsets.UpdateAsync([desired], resync: true, TestContext.Current.CancellationToken));
        Assert.True(host.Exec("ipset", "test", "l3n-web", "10.244.1.5").Ok, "resync did not restore the member");
        Assert.Equal(1, await ipsets.RemoveStaleAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain("l3n-leftover", host.Exec("ipset", "list", "-n").Stdout);
        Assert.DoesNotContain("l3n-tmp", host.Exec("ipset", "list", "-n").Stdout);
    }

    [Fact]
    public async Task A_dual_stack_rule_set_with_named_ports_is_written_once_and_reads_back_unchanged_in_both_families()
    {
        Requires.Command("ip6tables-restore");
        Requires.Command("ipset");
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        var ct = TestContext.Current.CancellationToken;
        var web = new WorkloadEndpoint
        {
            Metadata = { Name = "n1-web-eth0", Namespace = "default", Labels = new() { ["app"] = "web" } },
            Spec = new WorkloadEndpointSpec
            {
                Node = "n1", Pod = "web", InterfaceName = "caliweb", IpNetworks = ["10.244.0.5/32", "fd00:10:0:0::5/128"],
                Ports = [new WorkloadEndpointPort { Name = "http", Port = 8080 }, new WorkloadEndpointPort { Name = "http", Protocol = "SCTP", Port = 80 }],
            },
        };
        var policy = new NetworkPolicy
        {
            Metadata = { Name = "web", Namespace = "default" },
            Spec = new NetworkPolicySpec
            {
                PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = "web" } },
                Ingress = [new NetworkPolicyIngressRule
                {
                    From = [new NetworkPolicyPeer { IpBlock = new IpBlock { Cidr = "fd00:20:0::/48", Except = ["fd00:20:0:1::/64"] } }],
                    Ports = [new NetworkPolicyPort { Port = "http" }, new NetworkPolicyPort { Port = "http", Protocol = "SCTP" }],
                }],
            },
        };
        IPPool[] pools = [new() { Metadata = { Name = "p6" }, Spec = { Cidr = "fd00:10::/64", NatOutgoing = true } }];
        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [web], [policy], pools));
        var applier = new RuleSetApplier(CommandRunner.InNamespace(host.Namespace));
        host.Exec("ip6tables", "-A", "FORWARD", "-s", "2001:db8::1", "-j", "DROP").EnsureOk("foreign rule");

        var first = await applier.ApplyAsync(rules, resync: true, ct);
        Assert.True(first.V4.Changed && first.V6.Changed && first.IpsetLines > 0);
        Assert.True(host.Exec("ipset", "test", rules.Sets.Single(s => s.IPv6 && s.Type == IpSetType.IpPort && s.Members.Count == 1 && s.Members.First().Contains("tcp", StringComparison.Ordinal)).Name, "fd00:10::5,tcp:8080").Ok);
        Assert.Contains("-j MASQUERADE", host.Exec("ip6tables-save", "-t", "nat").Stdout);
        var again = await applier.ApplyAsync(rules, resync: true, ct);
        Assert.Equal(RuleSetApplyResult.None, again);

        // Everything of ours goes from both families and ipset; the foreign IPv6 rule stays.
        FamilyRules Nothing(IpVersion v) => new(v, [], []);
        await applier.ApplyAsync(new RuleSet(Nothing(IpVersion.V4), Nothing(IpVersion.V6), []), resync: true, ct);
        var save6 = host.Exec("ip6tables-save").EnsureOk("ip6tables-save").Stdout;
        Assert.DoesNotContain("l3n-", save6 + Save(host) + host.Exec("ipset", "list", "-n").Stdout);
        Assert.Contains("-A FORWARD -s 2001:db8::1/128 -j DROP", save6);
    }

    [Fact]
    public async Task Without_ipv6_only_the_ipv4_family_is_written()
    {
        Requires.Command("ip6tables-restore");
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        IPPool[] pools = [new() { Metadata = { Name = "p" }, Spec = { Cidr = "10.244.0.0/16", NatOutgoing = true } }];
        var rules = RuleCalculator.Calculate(new RuleInputs("n1", [], [], pools));

        var result = await new RuleSetApplier(CommandRunner.InNamespace(host.Namespace), ipv6: false).ApplyAsync(rules, resync: true, TestContext.Current.CancellationToken);

        Assert.True(result.V4.Changed);
        Assert.False(result.V6.Changed);
        Assert.Contains("l3n-", Save(host));
        Assert.DoesNotContain("l3n-", host.Exec("ip6tables-save").EnsureOk("ip6tables-save").Stdout);
        Assert.DoesNotContain("pools6", host.Exec("ipset", "list", "-n").Stdout);
    }

    private static string Save(NetnsHost host)
        => host.Exec("iptables-save").EnsureOk("iptables-save").Stdout;
}
