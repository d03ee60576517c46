using System.Text.Json.Nodes;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>The plugin wiring real pods in namespaces: connectivity, DEL leaving nothing, CHECK finding damage.</summary>
[Collection(CniHarness.Collection)]
public sealed class CniPodTests
{
    [Fact]
    public void Two_pods_reach_each_other_and_the_node_and_DEL_removes_every_trace()
    {
        using var h = new CniHarness();
        var p1 = h.AddPod("p1");
        var p2 = h.AddPod("p2");
        var add1 = h.Run("ADD", "c1", p1, podName: "web-1").Ok();
        var add2 = h.Run("ADD", "c2", p2, conf: h.Conf(version: "0.3.1"), podName: "web-2").Ok();
        var ip1 = CniHarness.PodAddress(add1);
        var ip2 = CniHarness.PodAddress(add2);

        // Result shape: host and pod interface, /32 bound to the pod interface, answered in the version asked.
        Assert.Equal("1.0.0", add1.Json["cniVersion"]!.GetValue<string>());
        Assert.Equal("eth0", add1.Json["interfaces"]![1]!["name"]!.GetValue<string>());
        Assert.Equal(1, add1.Json["ips"]![0]!["interface"]!.GetValue<int>());
        Assert.Null(add1.Json["ips"]![0]!["version"]);
        Assert.Equal("4", add2.Json["ips"]![0]!["version"]!.GetValue<string>());

        Assert.True(p1.Ping(ip2), $"pod 1 cannot reach pod 2 ({ip2})");
        Assert.True(p2.Ping(ip1), $"pod 2 cannot reach pod 1 ({ip1})");
        Assert.True(p1.Ping(CniHarness.NodeAddress), "pod 1 cannot reach the node");

        // Dataplane facts, read back with iproute2.
        var hostName = add1.Json["interfaces"]![0]!["name"]!.GetValue<string>();
        Assert.Matches("^cali[0-9a-f]{11}$", hostName);
        Assert.Contains($"{ip1} dev {hostName} scope link", h.L3NetRoutes());
        Assert.Equal("1", h.Node.Exec("sysctl", "-n", $"net.ipv4.conf.{hostName}.proxy_arp").Stdout.Trim());
        Assert.Equal("0", h.Node.Exec("sysctl", "-n", $"net.ipv4.neigh.{hostName}.proxy_delay").Stdout.Trim());
        Assert.Contains($"inet {ip1}/32", p1.Ip("addr", "show", "dev", "eth0"));
        Assert.Contains("mtu 1450", p1.Ip("link", "show", "dev", "eth0"));
        var podRoutes = p1.Ip("route", "show");
        Assert.Contains("default via 169.254.1.1 dev eth0", podRoutes);
        Assert.Contains("169.254.1.1 dev eth0", podRoutes);
        var wep = Assert.Single(h.Endpoints(), e => e.Spec.ContainerId == "c1");
        Assert.Equal("node1-web-1-eth0", wep.Metadata.Name);
        Assert.Equal([$"{ip1}/32"], wep.Spec.IpNetworks);
        Assert.Equal(hostName, wep.Spec.InterfaceName);

        h.Run("DEL", "c1", p1, podName: "web-1").Ok();
        h.Run("DEL", "c2", p2, conf: h.Conf(version: "0.3.1"), podName: "web-2").Ok();
        Assert.Empty(h.CaliLinks());
        Assert.Equal("", h.L3NetRoutes());
        Assert.DoesNotContain("eth0", p1.Ip("link", "show"));
        Assert.Empty(h.Allocations());
        Assert.Empty(h.Endpoints());
        // A second DEL, and a DEL after the namespace is gone, both succeed.
        h.Run("DEL", "c1", p1, podName: "web-1").Ok();
        h.Run("DEL", "c1", null, podName: "web-1").Ok();
    }

    [Fact]
    public void CHECK_passes_on_a_fresh_pod_and_reports_a_route_deleted_by_hand()
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        var add = h.Run("ADD", "c1", pod).Ok();
        var withPrev = JsonNode.Parse(h.Conf())!;
        withPrev["prevResult"] = JsonNode.Parse(add.Stdout);
        h.Run("CHECK", "c1", pod, conf: withPrev.ToJsonString()).Ok();

        var ip = CniHarness.PodAddress(add);
        h.Node.Ip("route", "del", $"{ip}/32");
        var check = h.Run("CHECK", "c1", pod, conf: withPrev.ToJsonString());

        Assert.NotEqual(0, check.ExitCode);
        Assert.Equal(102, check.ErrorCode);
        Assert.Contains($"host route {ip}/32", check.Json["msg"]!.GetValue<string>());
        h.Run("DEL", "c1", pod).Ok();
    }

    [Fact]
    public async Task Fifty_concurrent_ADDs_get_distinct_working_addresses_and_fifty_DELs_leave_nothing()
    {
        using var h = new CniHarness(poolCidr: "10.77.0.0/22", blockSize: 26);
        var pods = Enumerable.Range(0, 50).Select(i => h.AddPod($"q{i}")).ToList();
        var adds = await Task.WhenAll(pods.Select((p, i) => h.RunAsync(h.Conf(), h.Env("ADD", $"k{i}", p))));
        foreach (var a in adds) a.Ok();
        var addresses = adds.Select(CniHarness.PodAddress).ToList();

        Assert.Equal(50, addresses.Distinct().Count());
        Assert.Equal(50, h.CaliLinks().Count);
        Assert.Equal(50, h.Allocations().Count);
        foreach (var i in new[] { 0, 25, 49 })
            Assert.True(pods[i].Ping(addresses[(i + 1) % 50], 1), $"pod {i} cannot reach {addresses[(i + 1) % 50]}");

        var dels = await Task.WhenAll(pods.Select((p, i) => h.RunAsync(h.Conf(), h.Env("DEL", $"k{i}", p))));
        foreach (var d in dels) d.Ok();
        Assert.Empty(h.CaliLinks());
        Assert.Empty(h.Allocations());
        Assert.Empty(h.Endpoints());
        Assert.Equal("", h.L3NetRoutes());
    }
}
