using System.Net;
using System.Net.Sockets;
using L3Net.Netlink;
using Xunit;

namespace L3Net.Tests.Unit.Netlink;

/// <summary>Parsing of Calico's IP_AUTODETECTION_METHOD and the choice it makes over a given set of interfaces (the
/// kernel side is in tests/e2e/Node/AddressAutodetectionE2eTests).</summary>
public sealed class AddressAutodetectionTests
{
    private static HostInterface If(int index, string name, bool up, params string[] cidrs)
        => new(index, name, up, [.. cidrs.Select(c => (IPAddress.Parse(c.Split('/')[0]), int.Parse(c.Split('/')[1])))]);

    private static readonly IReadOnlyList<HostInterface> Host =
    [
        If(1, "lo", true, "127.0.0.1/8", "::1/128"),
        If(2, "eth0", true, "169.254.3.3/16", "192.168.10.5/24", "fe80::1/64", "fd00:10::5/64"),
        If(3, "eth1", true, "10.1.0.9/16"),
        If(4, "docker0", true, "172.17.0.1/16"),
        If(5, "cali1234567890a", true, "10.244.0.1/32"),
        If(6, "eth2", false, "10.2.0.9/16"),
        If(7, "bond0", true),
    ];

    private static string Detect(string method, AddressFamily family = AddressFamily.InterNetwork, Func<IPAddress, IPAddress?>? route = null)
    {
        var (address, length) = AddressAutodetector.Detect(AutodetectionMethod.Parse(method, "IP_AUTODETECTION_METHOD"), family,
            "IP_AUTODETECTION_METHOD", Host, route ?? (_ => null));
        return $"{address}/{length}";
    }

    [Theory]
    // Calico's order is the highest interface index first; down interfaces, default excludes and link-local skipped.
    [InlineData("first-found", "10.1.0.9/16")]
    [InlineData("interface=eth0", "192.168.10.5/24")]
    [InlineData("interface=^eth[02]$, ^nothing", "192.168.10.5/24")]
    [InlineData("interface=docker.*", "172.17.0.1/16")]
    [InlineData("skip-interface=eth1", "192.168.10.5/24")]
    [InlineData("cidr=192.168.0.0/16", "192.168.10.5/24")]
    [InlineData("cidrs=10.244.0.0/16,10.1.0.0/16", "10.244.0.1/32")] // interface order decides, not the CIDRs' order
    [InlineData("cidr=10.244.0.0/16", "10.244.0.1/32")] // cidr= looks at every interface, as Calico's does
    public void Each_method_picks_what_calico_would(string method, string expected)
        => Assert.Equal(expected, Detect(method));

    [Fact]
    public void Ipv6_skips_link_local_and_loopback()
        => Assert.Equal("fd00:10::5/64", Detect("first-found", AddressFamily.InterNetworkV6));

    [Fact]
    public void Can_reach_takes_the_kernels_source_and_the_prefix_of_the_interface_that_holds_it()
    {
        IPAddress? asked = null;
        Assert.Equal("192.168.10.5/24", Detect("can-reach=8.8.8.8", route: d => { asked = d; return IPAddress.Parse("192.168.10.5"); }));
        Assert.Equal(IPAddress.Parse("8.8.8.8"), asked);
    }

    [Theory]
    [InlineData("interface=wlan.*", AddressFamily.InterNetwork, "IP_AUTODETECTION_METHOD: 'interface=wlan.*' found no IPv4 address: no interface that is up matches (interfaces: lo, eth0, eth1,")]
    [InlineData("interface=bond0", AddressFamily.InterNetwork, "IP_AUTODETECTION_METHOD: 'interface=bond0' found no IPv4 address: no usable address on bond0")]
    [InlineData("cidr=10.99.0.0/16", AddressFamily.InterNetwork, "found no IPv4 address: no usable address on bond0, cali1234567890a, docker0, eth1, eth0, lo inside 10.99.0.0/16")]
    [InlineData("interface=eth1", AddressFamily.InterNetworkV6, "IP_AUTODETECTION_METHOD: 'interface=eth1' found no IPv6 address: no usable address on eth1")]
    [InlineData("can-reach=10.0.0.1", AddressFamily.InterNetwork, "'can-reach=10.0.0.1' found no IPv4 address: no route to 10.0.0.1")]
    [InlineData("can-reach=fd00::1", AddressFamily.InterNetwork, "'can-reach=fd00::1' found no IPv4 address: 'fd00::1' is not an IPv4 address or a name that resolves to one")]
    public void Nothing_matching_is_an_error_naming_the_method_and_why(string method, AddressFamily family, string expected)
    {
        var e = Assert.Throws<AutodetectionException>(() => Detect(method, family));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Can_reach_from_an_address_no_interface_holds_is_an_error()
    {
        var e = Assert.Throws<AutodetectionException>(() => Detect("can-reach=10.0.0.1", route: _ => IPAddress.Parse("10.50.0.1")));
        Assert.Contains("the route to 10.0.0.1 leaves from 10.50.0.1, which no interface holds", e.Message);
    }

    [Theory]
    [InlineData("first_found", "'first_found' is not an autodetection method")]
    [InlineData("first-found=eth0", "'first-found=eth0' is not an autodetection method")]
    [InlineData("interface=", "'interface=' needs a value after 'interface='")]
    [InlineData("can-reach=", "needs a value after 'can-reach='")]
    [InlineData("interface=eth[", "has an invalid interface regex 'eth['")]
    [InlineData("cidr=10.0.0.0", "has '10.0.0.0', which is not a CIDR")]
    [InlineData("cidr=10.0.0.0/8,banana", "has 'banana', which is not a CIDR")]
    [InlineData("kubernetes-internal-ip", "is not an autodetection method")]
    public void A_method_that_does_not_parse_is_named(string method, string expected)
    {
        var e = Assert.Throws<AutodetectionException>(() => AutodetectionMethod.Parse(method, "--ip-autodetection-method"));
        Assert.StartsWith("--ip-autodetection-method: ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
