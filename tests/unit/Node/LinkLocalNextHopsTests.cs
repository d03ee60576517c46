using System.Net;
using L3Net.Node;
using Xunit;

namespace L3Net.Tests.Unit.Node;

public sealed class LinkLocalNextHopsTests
{
    [Fact]
    public void Global_next_hops_pass_untouched_without_looking_up_the_link()
    {
        IReadOnlyList<IPAddress> hops = [IPAddress.Parse("fd00:0:1::1"), IPAddress.Parse("10.0.1.1")];
        Assert.Same(hops, LinkLocalNextHops.Scope(hops, () => throw new InvalidOperationException("looked up the link")));
    }

    [Fact]
    public void An_unscoped_link_local_next_hop_gets_the_link_of_the_nodes_ipv6_address()
    {
        var scoped = new IPAddress(IPAddress.Parse("fe80::2").GetAddressBytes(), 9);
        var hops = LinkLocalNextHops.Scope([IPAddress.Parse("fe80::1"), scoped, IPAddress.Parse("fd00::1")], () => 7);
        Assert.Equal([7L, 9L, 0L], hops.Select(h => h.ScopeId));
        Assert.Equal(["fe80::1%7", "fe80::2%9", "fd00::1"], hops.Select(h => h.ToString()));
    }

    [Fact]
    public void An_unknown_link_leaves_the_next_hop_as_it_came()
    {
        IReadOnlyList<IPAddress> hops = [IPAddress.Parse("fe80::1")];
        Assert.Same(hops, LinkLocalNextHops.Scope(hops, () => 0));
    }
}
