using System.Net;
using System.Net.Sockets;
using L3Net.Felix;
using L3Net.Netlink;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Felix;

/// <summary>What the kernel did not take stays pending and is retried on Felix's backoff alone, without a resync: a
/// learned route the kernel refuses (its next hop is on no link yet) lands once a link reaches it, and the dataplane
/// reports itself behind (the node's readiness) only while a refusal outlasts the bound; an endpoint route whose
/// interface does not exist yet lands when the interface appears, and never counts as behind.</summary>
public sealed class FelixRetryTests
{
    private static readonly IPNetwork Learned = IPNetwork.Parse("10.244.7.0/26");
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task A_route_the_kernel_refused_lands_without_a_resync_once_the_kernel_accepts_it()
    {
        Requires.Netns();
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        using var socket = NetNamespace.OpenSocket(host.NetnsPath);
        var felix = new FelixDataplane(socket, new CommandRunner(), host.NetnsPath, backoff: Fast());
        felix.Routes.SetLearned(Learned, [IPAddress.Parse("10.77.0.2")]);

        var first = await felix.ApplyAsync(resync: false, TestContext.Current.CancellationToken);
        Assert.Equal(1, first.Routes.Failed);
        Assert.NotNull(felix.RetryAt);
        Assert.Null(felix.OutOfSync(TimeSpan.FromMinutes(1))); // a fresh refusal is within any sensible bound

        await RetryUntilAsync(felix, () => felix.OutOfSync(Bound) is not null, "the dataplane reporting itself behind");
        Assert.False(InKernel(socket, Learned));

        host.Ip("link", "add", "up0", "type", "veth", "peer", "name", "up0p");
        host.Ip("link", "set", "up0p", "up");
        host.Ip("addr", "add", "10.77.0.1/24", "dev", "up0");
        host.Ip("link", "set", "up0", "up");
        await RetryUntilAsync(felix, () => InKernel(socket, Learned), "the refused route landing");

        Assert.Contains("10.244.7.0/26 via 10.77.0.2 dev up0", host.Ip("route", "show", "proto", "77"), StringComparison.Ordinal);
        Assert.Null(felix.OutOfSync(TimeSpan.Zero));
        Assert.Null(felix.RetryAt);
    }

    [Fact]
    public async Task An_endpoint_route_waits_for_its_interface_without_counting_as_behind()
    {
        Requires.Netns();
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        using var socket = NetNamespace.OpenSocket(host.NetnsPath);
        var felix = new FelixDataplane(socket, new CommandRunner(), host.NetnsPath, backoff: Fast());
        var pod = IPNetwork.Parse("10.244.1.5/32");
        felix.Routes.SetEndpoint("ns/p", "cali9", [pod]);

        var first = await felix.ApplyAsync(resync: false, TestContext.Current.CancellationToken);
        Assert.Equal(0, first.Routes.Failed);
        Assert.NotNull(felix.RetryAt);
        Assert.Null(felix.OutOfSync(TimeSpan.Zero));

        host.Ip("link", "add", "cali9", "type", "veth", "peer", "name", "cali9p");
        host.Ip("link", "set", "cali9", "up");
        await RetryUntilAsync(felix, () => InKernel(socket, pod), "the endpoint route landing");

        Assert.Contains("10.244.1.5 dev cali9 scope link", host.Ip("route", "show", "proto", "77"), StringComparison.Ordinal);
        Assert.Null(felix.OutOfSync(TimeSpan.Zero));
        Assert.Null(felix.RetryAt);
    }

    private static RetryBackoff Fast() => new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200));

    /// <summary>What the node's dataplane loop does between changes: apply again (never a resync) when Felix asks.</summary>
    private static async Task RetryUntilAsync(FelixDataplane felix, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(felix.RetryAt is not null, $"Felix stopped retrying before {what}");
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 20 s");
            var wait = felix.RetryAt!.Value - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, TestContext.Current.CancellationToken);
            await felix.ApplyAsync(resync: false, TestContext.Current.CancellationToken);
        }
    }

    private static bool InKernel(RouteSocket socket, IPNetwork destination)
        => socket.ListRoutes(AddressFamily.InterNetwork).Any(r => r.Destination == destination && r.Protocol == Dataplane.RouteProtocol);
}
