using System.Net;
using L3Net.Netlink;
using Xunit;

namespace L3Net.Tests.Unit.Netlink;

public sealed class NetlinkValueTests
{
    [Fact]
    public void Routes_compare_by_value_including_next_hops()
    {
        Route Make() => new(IPNetwork.Parse("10.0.0.0/24"))
        {
            Protocol = RouteProtocol.L3Net,
            NextHops = [new NextHop(IPAddress.Parse("10.1.0.1"), 3), new NextHop(IPAddress.Parse("10.1.0.2"), 4)],
        };
        Assert.Equal(Make(), Make());
        Assert.Equal(Make().GetHashCode(), Make().GetHashCode());
        Assert.NotEqual(Make(), Make() with { NextHops = [new NextHop(IPAddress.Parse("10.1.0.1"), 3)] });
        Assert.NotEqual(Make(), Make() with { Protocol = RouteProtocol.Boot });
    }

    [Theory]
    [InlineData("net.ipv4.conf.cali1.proxy_arp", "/proc/sys/net/ipv4/conf/cali1/proxy_arp")]
    [InlineData("net/ipv4/conf/eth0.100/forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding")]
    public void Sysctl_keys_map_to_proc_paths(string key, string path) => Assert.Equal(path, Sysctl.PathOf(key));

    [Fact]
    public void Exceptions_name_operation_and_errno()
    {
        var e = new NetlinkException("add route 10.0.0.0/24", NetlinkException.EEXIST, "route exists");
        Assert.True(e.IsAlreadyExists);
        Assert.False(e.IsNotFound);
        Assert.Equal("add route 10.0.0.0/24: file exists (errno 17): route exists", e.Message);
    }
}
