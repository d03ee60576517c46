using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>The IPv6 pod path (DESIGN.md "Dataplane facts"): a dual-stack attachment gets a /32 and a /128, a default
/// route via the host end's link-local address, and two pods on one node reach each other over IPv6.</summary>
[Collection(CniHarness.Collection)]
public sealed class CniIpv6Tests
{
    [Fact]
    public void Dual_stack_pods_get_a_128_and_ping6_each_other()
    {
        using var h = new CniHarness();
        h.AddPool("v6", "fd77::/112", 122);
        var conf = h.Conf().Replace("\"assign_ipv4\":\"true\"", "\"assign_ipv4\":\"true\",\"assign_ipv6\":\"true\"");
        var p1 = h.AddPod("s1");
        var p2 = h.AddPod("s2");
        var add1 = h.Run("ADD", "d1", p1, conf: conf).Ok();
        var add2 = h.Run("ADD", "d2", p2, conf: conf).Ok();

        var ips1 = add1.Json["ips"]!.AsArray().Select(i => i!["address"]!.GetValue<string>()).ToList();
        var v6 = Assert.Single(ips1, a => a.Contains(':'));
        Assert.StartsWith("fd77::", v6);
        Assert.EndsWith("/128", v6);
        Assert.Single(ips1, a => a.EndsWith("/32", StringComparison.Ordinal));
        Assert.Contains(add1.Json["routes"]!.AsArray(), r => r!["dst"]!.GetValue<string>() == "::/0");
        var v6Of2 = add2.Json["ips"]!.AsArray().Select(i => i!["address"]!.GetValue<string>()).Single(a => a.Contains(':')).Split('/')[0];
        var v6Of1 = v6.Split('/')[0];

        Assert.Contains($"inet6 {v6}", p1.Ip("-6", "addr", "show", "dev", "eth0"));
        Assert.Contains("default via fe80::ecee:eeff:feee:eeee dev eth0", p1.Ip("-6", "route", "show"));
        Assert.Contains($"{v6Of1} dev cali", h.Node.Ip("-6", "route", "show", "proto", "77"));
        Assert.True(p1.Ping(v6Of2), $"pod 1 cannot ping6 pod 2 ({v6Of2})");
        Assert.True(p2.Ping(v6Of1), $"pod 2 cannot ping6 pod 1 ({v6Of1})");

        h.Run("DEL", "d1", p1, conf: conf).Ok();
        h.Run("DEL", "d2", p2, conf: conf).Ok();
        Assert.Empty(h.Allocations());
        Assert.Equal("", h.Node.Ip("-6", "route", "show", "proto", "77").Trim());
    }
}
