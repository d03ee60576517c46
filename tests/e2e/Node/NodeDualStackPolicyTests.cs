using L3Net.Model.Resources;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// Felix's IPv6 half and named ports, end to end: one dual-stack node running the real <c>l3net-node</c> behind the ToR
/// namespace (IPv4 and IPv6 links), two dual-stack pods on it, IPv4 and IPv6 pools with natOutgoing. One fabric carries
/// the scenario in order: NAT outgoing for IPv6 (the ToR sees the node's address), an IPv6 policy denying then, by a
/// relabel alone, allowing ping6 and TCP (ipsets change, no ip6tables rule does), a named-port policy letting the named
/// port through and not another one, the pod's port moving by a WorkloadEndpoint change alone, and an ip6tables rule
/// and hook removed by hand coming back within the resync interval.
/// </summary>
public sealed class NodeDualStackPolicyTests
{
    [Fact]
    public async Task Ipv6_pods_get_nat_outgoing_policy_by_relabel_named_ports_and_ip6tables_drift_repair()
    {
        await using var f = new NodeFabric();
        var node = f.AddNode(1, ipv6: true);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/24", BlockSize = 26, NatOutgoing = true } });
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods6" }, Spec = { Cidr = "fd00:10::/120", BlockSize = 122, NatOutgoing = true } });
        f.StartDaemon(1);
        var client = await f.AddPodAsync(1, "c6", new() { ["app"] = "client" }, ipv6: true);
        var web = await f.AddPodAsync(1, "w6", new() { ["app"] = "web" }, ipv6: true, ports: [new WorkloadEndpointPort { Name = "http", Port = 8080 }]);
        foreach (var port in new[] { "8080", "9090" })
            web.Host.Start("busybox", ["nc", "-ll", "-p", port, "-e", "/bin/true"]);
        string Logs() => $"node1:\n{f.DaemonOutput("node1")}\nip6tables:\n{node.Exec("ip6tables-save").Stdout}\nipsets:\n{node.Exec("ipset", "save").Stdout}";

        await Eventually.AssertAsync(() => client.Host.Ping(web.Ip6!, 1) && client.Connects(web.Ip6!, 8080), NodeFabric.Converge,
            "the client reaching the web pod over IPv6 before any policy", Logs);

        NatOutgoing6(f, client, Logs);
        await PolicyByRelabelAsync(f, client, web, Logs);
        await NamedPortAsync(f, client, web, Logs);
        await DriftRepairAsync(node, Logs);
    }

    /// <summary>The ToR drops pool-sourced IPv6 and counts echo requests from the node's own address: a ping6 answers
    /// only when node1 masqueraded it, and then the count shows the source the ToR saw.</summary>
    private static void NatOutgoing6(NodeFabric f, FabricPod client, Func<string> logs)
    {
        var node6 = NodeFabric.NodeAddress6(client.Node);
        f.Tor.Exec("ip6tables", "-A", "INPUT", "-s", "fd00:10::/120", "-j", "DROP").EnsureOk("tor drops pod sources");
        f.Tor.Exec("ip6tables", "-A", "INPUT", "-s", node6, "-p", "ipv6-icmp", "--icmpv6-type", "echo-request", "-j", "ACCEPT").EnsureOk("tor counts the node's pings");
        Assert.True(client.Host.Ping(NodeFabric.TorAddress6(client.Node), 2), $"an IPv6 pod reaching outside the pools was not masqueraded\n{logs()}");
        var counted = f.Tor.Exec("ip6tables", "-L", "INPUT", "-v", "-n", "-x").EnsureOk("tor counters").Stdout.Split('\n')
            .Single(l => l.Contains(node6, StringComparison.Ordinal) && l.Contains("ACCEPT", StringComparison.Ordinal));
        Assert.True(long.Parse(counted.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) > 0,
            $"the ToR saw no echo request from {node6}: {counted}");
    }

    /// <summary>Web pods accept only role=allowed: ping6 and TCP from the client stop; the client's label in, and out
    /// again, moves it between sets while neither family's rules change.</summary>
    private static async Task PolicyByRelabelAsync(NodeFabric f, FabricPod client, FabricPod web, Func<string> logs)
    {
        var node = f.Nodes[$"node{web.Node}"];
        await f.ApplyAsync(WebPolicy(null));
        await Eventually.AssertAsync(() => !client.Host.Ping(web.Ip6!, 1), NodeFabric.Converge, "the IPv6 policy denying ping6", logs);
        Assert.False(client.Connects(web.Ip6!, 8080), "the IPv6 policy let TCP through");
        var rules4 = NodeFabric.OurRules(node);
        var rules6 = NodeFabric.OurRules(node, "ip6tables-save");

        await SetClientRoleAsync(f, client, "allowed");
        await Eventually.AssertAsync(() => client.Host.Ping(web.Ip6!, 1) && client.Connects(web.Ip6!, 8080), NodeFabric.Converge,
            "the relabel letting the client in over IPv6", logs);
        await SetClientRoleAsync(f, client, "other");
        await Eventually.AssertAsync(() => !client.Host.Ping(web.Ip6!, 1), NodeFabric.Converge, "the relabel shutting the client out again", logs);

        Assert.Equal(rules6, NodeFabric.OurRules(node, "ip6tables-save"));
        Assert.Equal(rules4, NodeFabric.OurRules(node));
        await SetClientRoleAsync(f, client, "allowed");
    }

    /// <summary>The policy allows only the port named http: TCP to it passes (both families), another port and ping6 do
    /// not; the web pod's http moving to 9090 (a WorkloadEndpoint change) moves what passes, with no rule rewritten.</summary>
    private static async Task NamedPortAsync(NodeFabric f, FabricPod client, FabricPod web, Func<string> logs)
    {
        var node = f.Nodes[$"node{web.Node}"];
        await f.ApplyAsync(WebPolicy([new NetworkPolicyPort { Port = "http", Protocol = "TCP" }]));
        await Eventually.AssertAsync(() => !client.Host.Ping(web.Ip6!, 1), NodeFabric.Converge, "the named-port policy stopping ping6", logs);
        Assert.True(client.Connects(web.Ip6!, 8080), $"TCP over IPv6 to the named port was refused\n{logs()}");
        Assert.True(client.Connects(web.Ip, 8080), "TCP over IPv4 to the named port was refused");
        Assert.False(client.Connects(web.Ip6!, 9090), "TCP to a port the policy does not name got through");
        var rules6 = NodeFabric.OurRules(node, "ip6tables-save");

        var ct = TestContext.Current.CancellationToken;
        var wep = (await f.Store.GetAsync<WorkloadEndpoint>($"node{web.Node}-{web.Name}-eth0", "default", ct))!;
        wep.Spec.Ports = [new WorkloadEndpointPort { Name = "http", Port = 9090 }];
        await f.Store.UpdateAsync(wep, ct);
        await Eventually.AssertAsync(() => client.Connects(web.Ip6!, 9090), NodeFabric.Converge, "the port's new number letting TCP in", logs);
        Assert.False(client.Connects(web.Ip6!, 8080), "the port's old number still let TCP in");
        Assert.Equal(rules6, NodeFabric.OurRules(node, "ip6tables-save"));
    }

    /// <summary>An ip6tables rule of ours and the FORWARD hook removed by hand are back within the resync interval (2 s).</summary>
    private static async Task DriftRepairAsync(NetnsHost node, Func<string> logs)
    {
        var rules6 = NodeFabric.OurRules(node, "ip6tables-save");
        node.Exec("ip6tables", "-D", "l3n-FORWARD", "1").EnsureOk("remove a rule by hand");
        node.Exec("ip6tables", "-D", "FORWARD", "-j", "l3n-FORWARD").EnsureOk("remove the hook by hand");
        Assert.NotEqual(rules6, NodeFabric.OurRules(node, "ip6tables-save"));
        await Eventually.AssertAsync(() => NodeFabric.OurRules(node, "ip6tables-save") == rules6
                                           && node.Exec("ip6tables-save", "-t", "filter").Stdout.Contains("-A FORWARD -j l3n-FORWARD", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the ip6tables rule and hook restored", logs);
    }

    private static NetworkPolicy WebPolicy(List<NetworkPolicyPort>? ports) => new()
    {
        Metadata = { Name = "web", Namespace = "default" },
        Spec = new NetworkPolicySpec
        {
            PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = "web" } },
            Ingress = [new NetworkPolicyIngressRule
            {
                From = [new NetworkPolicyPeer { PodSelector = new KubeLabelSelector { MatchLabels = new() { ["role"] = "allowed" } } }],
                Ports = ports,
            }],
        },
    };

    private static async Task SetClientRoleAsync(NodeFabric f, FabricPod client, string role)
    {
        var ct = TestContext.Current.CancellationToken;
        var wep = (await f.Store.GetAsync<WorkloadEndpoint>($"node{client.Node}-{client.Name}-eth0", "default", ct))!;
        wep.Metadata.Labels["role"] = role;
        await f.Store.UpdateAsync(wep, ct);
    }
}
