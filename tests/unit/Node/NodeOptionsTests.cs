using System.Net;
using L3Net.Node;
using Xunit;

namespace L3Net.Tests.Unit.Node;

public sealed class NodeOptionsTests
{
    [Fact]
    public void The_contract_command_line_parses_with_defaults_for_what_is_left_out()
    {
        var o = NodeOptions.Parse(["--node", "node1", "--datastore", "sqlite:///tmp/x.db", "--ipv4-address", "10.0.1.2/24", "--as=64513"]);
        Assert.Equal("node1", o.Node);
        Assert.Equal("sqlite:///tmp/x.db", o.Datastore);
        Assert.Equal(IPAddress.Parse("10.0.1.2"), o.Ipv4Address);
        Assert.Equal(IPNetwork.Parse("10.0.1.0/24"), o.Ipv4Network);
        Assert.Equal("10.0.1.2/24", o.Ipv4Cidr);
        Assert.Equal("64513", o.AsNumber);
        Assert.Equal("/var/run/l3net/node.sock", o.StatusSocket);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9099), o.Health);
        Assert.Null(o.Ipv6Address);
        Assert.Null(o.Ipv6Cidr);
        Assert.Equal([IPAddress.Parse("10.0.1.2")], o.LocalAddresses);
    }

    [Fact]
    public void An_ipv6_address_makes_the_node_dual_stack()
    {
        var o = NodeOptions.Parse(["--node", "n1", "--ipv4-address", "10.0.1.2/24", "--ipv6-address", "fd00:1::2/64"]);
        Assert.Equal(IPAddress.Parse("fd00:1::2"), o.Ipv6Address);
        Assert.Equal(IPNetwork.Parse("fd00:1::/64"), o.Ipv6Network);
        Assert.Equal("fd00:1::2/64", o.Ipv6Cidr);
        Assert.Equal([IPAddress.Parse("10.0.1.2"), IPAddress.Parse("fd00:1::2")], o.LocalAddresses);
    }

    [Theory]
    [InlineData("--ipv4-address: required", "--node", "n1")]
    [InlineData("--node: required", "--ipv4-address", "10.0.0.1/24")]
    [InlineData("--ipv4-address: '10.0.0.1' is not", "--node", "n1", "--ipv4-address", "10.0.0.1")]
    [InlineData("--health: 'x' is not HOST:PORT", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--health", "x")]
    [InlineData("--ipv6-address: 'fd00:1::2' is not a global IPv6 address", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "fd00:1::2")]
    [InlineData("--ipv6-address: '10.0.0.2/24' is not a global IPv6", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "10.0.0.2/24")]
    [InlineData("--ipv6-address: 'fe80::2/64' is not a global IPv6", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "fe80::2/64")]
    [InlineData("--ipv6-address: 'fd00::2/129' is not", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "fd00::2/129")]
    [InlineData("--ipv4-address: 'fd00::2/64' is not an IPv4", "--node", "n1", "--ipv4-address", "fd00::2/64")]
    [InlineData("--frobnicate: unknown flag", "--frobnicate", "1")]
    [InlineData("--node: needs a value", "--node")]
    public void A_bad_command_line_names_the_flag(string expected, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => NodeOptions.Parse(args));
        Assert.StartsWith(expected, e.Message);
    }
}
