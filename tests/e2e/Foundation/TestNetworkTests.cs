using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Foundation;

/// <summary>The test-host library itself: namespaces are isolated, linked, reachable, and gone afterwards.</summary>
public sealed class TestNetworkTests
{
    [Fact]
    public void Two_linked_namespaces_ping_each_other_and_are_removed_on_dispose()
    {
        string nsA, nsB;
        using (var net = new TestNetwork())
        {
            var a = net.AddHost("a");
            var b = net.AddHost("b");
            net.Link(a, "10.99.0.1/30", b, "10.99.0.2/30");
            nsA = a.Namespace;
            nsB = b.Namespace;

            Assert.True(a.Ping("10.99.0.2"), "a cannot reach b over the veth");
            Assert.True(b.Ping("10.99.0.1"), "b cannot reach a over the veth");
            // Isolation: the address lives only inside the namespace, never in the root namespace.
            Assert.DoesNotContain("10.99.0.1", ProcessRunner.Run("ip", ["-4", "addr"]).Stdout);
        }
        var left = ProcessRunner.Run("ip", ["netns", "list"]).Stdout;
        Assert.DoesNotContain(nsA, left);
        Assert.DoesNotContain(nsB, left);
    }

    [Fact]
    public void A_namespace_without_a_route_cannot_reach_an_unlinked_one()
    {
        using var net = new TestNetwork();
        var a = net.AddHost("a");
        var b = net.AddHost("b");
        var c = net.AddHost("c");
        net.Link(a, "10.99.1.1/30", b, "10.99.1.2/30");
        net.Link(b, "10.99.2.1/30", c, "10.99.2.2/30");

        Assert.False(a.Ping("10.99.2.2", count: 1), "a reached c without a route: namespaces are not isolated");
    }

    [Fact]
    public void Daemons_started_in_a_namespace_die_with_it()
    {
        BackgroundProcess sleeper;
        using (var net = new TestNetwork())
        {
            var a = net.AddHost("a");
            sleeper = a.Start("sleep", ["300"]);
            Assert.False(sleeper.HasExited);
        }
        Assert.True(sleeper.HasExited);
    }
}
