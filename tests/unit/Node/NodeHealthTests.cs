using L3Net.Node.Status;
using Xunit;

namespace L3Net.Tests.Unit.Node;

public sealed class NodeHealthTests
{
    [Fact]
    public void A_dataplane_behind_what_Felix_wants_makes_the_node_not_ready_until_it_catches_up()
    {
        var health = new NodeHealth(TimeProvider.System);
        health.Registered();
        health.DataplaneSynced();
        Assert.True(health.Ready().Ok);

        health.DataplaneBehind("changes refused by the kernel for 6 s: add route 10.244.7.0/26: network is unreachable");
        var (ok, why) = health.Ready();
        Assert.False(ok);
        Assert.Equal("dataplane: changes refused by the kernel for 6 s: add route 10.244.7.0/26: network is unreachable", why);

        health.DataplaneBehind(null);
        Assert.Equal((true, "ready"), health.Ready());
    }
}
