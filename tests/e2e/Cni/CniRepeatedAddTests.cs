using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>A runtime may run ADD again for an attachment it already added (a retry after a timeout). As Calico's IPAM
/// plugin does, the second ADD answers with the addresses the handle already holds, assigns nothing, and its rollback,
/// when it fails, frees nothing the first ADD assigned; a second interface of the same container in the same network
/// is refused, leaving the first alone.</summary>
[Collection(CniHarness.Collection)]
public sealed class CniRepeatedAddTests
{
    [Fact]
    public void A_repeated_ADD_answers_with_the_first_addresses_and_assigns_nothing()
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        var address = CniHarness.PodAddress(h.Run("ADD", "c1", pod).Ok());

        var again = h.Run("ADD", "c1", pod).Ok();

        Assert.Equal(address, CniHarness.PodAddress(again));
        Assert.Equal(address, Assert.Single(h.Allocations()).Address.ToString());
        Assert.Contains($"inet {address}/32", pod.Ip("addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Single(h.CaliLinks());
        Assert.Single(h.Endpoints());
        Assert.True(h.Node.Ping(address), "the pod is unreachable after the repeated ADD");
    }

    [Fact]
    public async Task A_repeated_ADD_that_fails_leaves_the_first_ADD_its_addresses()
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        var address = CniHarness.PodAddress(h.Run("ADD", "c1", pod).Ok());

        // The runtime retries with a sandbox whose namespace is already gone: the ADD fails after IPAM.
        var env = h.Env("ADD", "c1", pod);
        env["CNI_NETNS"] = "/var/run/netns/l3net-test-absent";
        var failed = await h.RunAsync(h.Conf(), env);

        Assert.Equal(3, failed.ErrorCode);
        var held = Assert.Single(h.Allocations());
        Assert.Equal((address, $"{CniHarness.Network}.c1"), (held.Address.ToString(), held.Handle));
        Assert.Contains($"inet {address}/32", pod.Ip("addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Single(h.CaliLinks());
    }

    [Fact]
    public async Task A_second_interface_in_the_same_network_is_refused_and_the_first_stays()
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        var address = CniHarness.PodAddress(h.Run("ADD", "c1", pod).Ok());

        var env = h.Env("ADD", "c1", pod);
        env["CNI_IFNAME"] = "eth1";
        var refused = await h.RunAsync(h.Conf(), env);

        Assert.Equal(100, refused.ErrorCode);
        var message = refused.Json["msg"]!.GetValue<string>();
        Assert.Contains("eth0", message, StringComparison.Ordinal);
        Assert.Contains("eth1", message, StringComparison.Ordinal);
        Assert.Equal(address, Assert.Single(h.Allocations()).Address.ToString());
        Assert.Contains($"inet {address}/32", pod.Ip("addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.DoesNotContain("eth1", pod.Ip("link", "show"), StringComparison.Ordinal);
        Assert.Single(h.CaliLinks());
    }
}
