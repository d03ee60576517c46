using System.Text.RegularExpressions;
using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// The product's main job, end to end: two node namespaces running the real <c>l3net-node</c>, each peering eBGP with
/// a BIRD top-of-rack router (its own AS, mesh off), pods on both. One fabric carries the scenario in order:
/// reachability through the ToR, NAT outgoing, NetworkPolicy by label change only, drift repair, and a kill -9
/// graceful restart under ping.
/// </summary>
public sealed partial class NodeTorTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Pods_on_two_nodes_reach_each_other_through_a_bird_tor_with_policy_nat_drift_repair_and_graceful_restart()
    {
        await using var f = new NodeFabric();
        var ct = TestContext.Current.CancellationToken;
        var node1 = f.AddNode(1);
        var node2 = f.AddNode(2);
        await f.StartTorAsync([(1, 64601u), (2, 64602u)]);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/16", BlockSize = 26, NatOutgoing = true } });
        await f.ApplyAsync(new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } });
        await f.ApplyAsync(new BGPPeer { Metadata = { Name = "tor" }, Spec = { PeerIp = "10.0.1.1", AsNumber = "65000", Node = "node1" } });
        await f.ApplyAsync(new BGPPeer { Metadata = { Name = "tor2" }, Spec = { PeerIp = "10.0.2.1", AsNumber = "65000", Node = "node2" } });
        f.StartDaemon(1, 64601);
        f.StartDaemon(2, 64602);
        var (pod1, ip1) = await f.AddPodAsync(1, "p1", new() { ["app"] = "client" });
        var (pod2, ip2) = await f.AddPodAsync(2, "p2", new() { ["app"] = "web" });
        string Logs() => $"node1:\n{f.DaemonOutput("node1")}\nnode2:\n{f.DaemonOutput("node2")}\nbird:\n{f.Bird!.Routes()}";

        // Both blocks at the ToR, and in each node's kernel with protocol 77, so the pods reach each other.
        var block1 = ip1[..ip1.LastIndexOf('.')];
        await Eventually.AssertAsync(() => f.Tor.Ip("route").Contains("10.244.") && CountTorBlocks(f) == 2, Converge,
            "both nodes' blocks in the ToR's kernel table", Logs);
        await Eventually.AssertAsync(() => node2.Ip("route", "show", "proto", "77").Contains(block1), Converge,
            "node1's block learned on node2 with proto 77", Logs);
        Assert.True(pod1.Ping(ip2, 3), $"pod1 cannot reach pod2\n{Logs()}");
        Assert.True(pod2.Ping(ip1, 3), "pod2 cannot reach pod1");

        // NAT outgoing: the ToR drops pod-sourced packets to itself, so a ping only answers when it was masqueraded
        // to node1's address.
        f.Tor.Exec("iptables", "-I", "INPUT", "-s", "10.244.0.0/16", "-p", "icmp", "-j", "DROP").EnsureOk("tor filter");
        Assert.True(pod1.Ping(NodeFabric.TorAddress(1), 2), "a pod reaching outside the pools was not masqueraded");

        // NetworkPolicy: web pods accept only role=allowed. The client is denied, then allowed by a label change alone,
        // which must change an ipset member and no iptables rule.
        await f.ApplyAsync(new NetworkPolicy
        {
            Metadata = { Name = "web", Namespace = "default" },
            Spec = new NetworkPolicySpec
            {
                PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = "web" } },
                Ingress = [new NetworkPolicyIngressRule { From = [new NetworkPolicyPeer { PodSelector = new KubeLabelSelector { MatchLabels = new() { ["role"] = "allowed" } } }] }],
            },
        });
        await Eventually.AssertAsync(() => !pod1.Ping(ip2, 1), Converge, "the policy denying pod1", Logs);
        var rulesBefore = OurRules(node2);
        var wep = (await f.Store.GetAsync<WorkloadEndpoint>("node1-p1-eth0", "default", ct))!;
        wep.Metadata.Labels["role"] = "allowed";
        await f.Store.UpdateAsync(wep, ct);
        await Eventually.AssertAsync(() => pod1.Ping(ip2, 1), Converge, "the label change letting pod1 in", Logs);
        Assert.Equal(rulesBefore, OurRules(node2));

        // Drift: a learned route and the FORWARD hook removed by hand come back within the resync interval (2 s).
        node2.Ip("route", "del", block1 + ".0/26");
        node2.Exec("iptables", "-D", "FORWARD", "-j", "l3n-FORWARD").EnsureOk("remove hook by hand");
        await Eventually.AssertAsync(() => node2.Ip("route", "show", "proto", "77").Contains(block1)
                                           && node2.Exec("iptables-save", "-t", "filter").Stdout.Contains("-A FORWARD -j l3n-FORWARD"),
            TimeSpan.FromSeconds(10), "the route and the hook restored", Logs);

        // Graceful restart: kill -9 node1's daemon in the middle of a ping from pod2 and start a new one.
        var ping = pod2.ExecAsync(null, null, "ping", "-c", "40", "-i", "0.1", "-W", "1", ip1);
        await Task.Delay(1000, ct);
        f.StartDaemon(1, 64601); // disposes (SIGKILL) the old process first
        var result = await ping;
        var received = int.Parse(Received().Match(result.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(received >= 39, $"graceful restart lost {40 - received} of 40 pings\n{result.Stdout}\n{Logs()}");
        await Eventually.AssertAsync(() => f.Bird!.IsEstablished("node1"), Converge, "node1's new daemon re-established with the ToR", Logs);
        Assert.True(pod2.Ping(ip1, 2), "pod2 lost pod1 after the restart");
    }

    private static int CountTorBlocks(NodeFabric f)
        => f.Tor.Ip("route").Split('\n').Count(l => l.StartsWith("10.244.", StringComparison.Ordinal) && l.Contains("/26", StringComparison.Ordinal));

    /// <summary>Our chains' rules without packet counters.</summary>
    private static string OurRules(NetnsHost node)
        => string.Join('\n', node.Exec("iptables-save").Stdout.Split('\n').Where(l => l.StartsWith("-A l3n-", StringComparison.Ordinal)));

    [GeneratedRegex(@"(\d+) received")]
    private static partial Regex Received();
}
