using System.Net;
using L3Net.Netlink;
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
        Assert.Null(o.CniSocket);
        Assert.Equal("/run/l3net/cni.sock", NodeOptions.Parse(["--node", "n1", "--ipv4-address", "10.0.1.2/24", "--cni-socket", "/run/l3net/cni.sock"]).CniSocket);
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
    [InlineData("--node: required", "--ipv4-address", "10.0.0.1/24")]
    [InlineData("--ipv4-address: '10.0.0.1' is not", "--node", "n1", "--ipv4-address", "10.0.0.1")]
    [InlineData("--health: 'x' is not HOST:PORT", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--health", "x")]
    [InlineData("--ipv6-address: 'fd00:1::2' is not a global IPv6 address", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "fd00:1::2")]
    [InlineData("--ipv6-address: '10.0.0.2/24' is not a global IPv6", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "10.0.0.2/24")]
    [InlineData("--ipv6-address: 'fe80::2/64' is not a global IPv6", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "fe80::2/64")]
    [InlineData("--ipv6-address: 'fd00::2/129' is not", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--ipv6-address", "fd00::2/129")]
    [InlineData("--ipv4-address: 'fd00::2/64' is not an IPv4", "--node", "n1", "--ipv4-address", "fd00::2/64")]
    [InlineData("--cni-socket: 'cni.sock' is not an absolute path", "--node", "n1", "--ipv4-address", "10.0.0.1/24", "--cni-socket", "cni.sock")]
    [InlineData("--frobnicate: unknown flag", "--frobnicate", "1")]
    [InlineData("--node: needs a value", "--node")]
    public void A_bad_command_line_names_the_flag(string expected, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => NodeOptions.Parse(args, NoEnvironment, NeverDetect));
        Assert.StartsWith(expected, e.Message);
    }

    private static string? NoEnvironment(string name) => null;

    private static (IPAddress, int) NeverDetect(AutodetectionMethod m, System.Net.Sockets.AddressFamily f, string source)
        => throw new InvalidOperationException($"unexpected autodetection ({m.Text} from {source})");

    /// <summary>Records what the daemon asked to detect and answers with a fixed address per family.</summary>
    private sealed class RecordingDetector
    {
        public List<(string Method, System.Net.Sockets.AddressFamily Family, string Source)> Calls { get; } = [];

        public (IPAddress, int) Detect(AutodetectionMethod m, System.Net.Sockets.AddressFamily f, string source)
        {
            Calls.Add((m.Text, f, source));
            return f == System.Net.Sockets.AddressFamily.InterNetwork ? (IPAddress.Parse("10.9.0.7"), 24) : (IPAddress.Parse("fd00:9::7"), 64);
        }
    }

    [Fact]
    public void Without_an_address_the_node_autodetects_first_found_ipv4_and_no_ipv6()
    {
        var detector = new RecordingDetector();
        var o = NodeOptions.Parse(["--node", "n1"], NoEnvironment, detector.Detect);
        Assert.Equal("10.9.0.7/24", o.Ipv4Cidr);
        Assert.Null(o.Ipv6Cidr);
        var call = Assert.Single(detector.Calls);
        Assert.Equal(("first-found", System.Net.Sockets.AddressFamily.InterNetwork), (call.Method, call.Family));
    }

    [Fact]
    public void The_method_comes_from_the_flag_before_the_environment_and_ipv6_detects_only_when_asked()
    {
        var detector = new RecordingDetector();
        var env = new Dictionary<string, string> { ["IP_AUTODETECTION_METHOD"] = "interface=eth1", ["IP6_AUTODETECTION_METHOD"] = "cidr=fd00:9::/64" };
        var o = NodeOptions.Parse(["--node", "n1", "--ip-autodetection-method", "can-reach=10.9.0.1"], env.GetValueOrDefault, detector.Detect);
        Assert.Equal("fd00:9::7/64", o.Ipv6Cidr);
        Assert.Equal([("can-reach=10.9.0.1", "--ip-autodetection-method"), ("cidr=fd00:9::/64", "IP6_AUTODETECTION_METHOD")],
            detector.Calls.Select(c => (c.Method, c.Source)));
    }

    [Fact]
    public void A_given_address_wins_over_the_environment_and_conflicts_with_the_flag()
    {
        var env = new Dictionary<string, string> { ["IP_AUTODETECTION_METHOD"] = "interface=eth1" };
        Assert.Equal("10.0.1.2/24", NodeOptions.Parse(["--node", "n1", "--ipv4-address", "10.0.1.2/24"], env.GetValueOrDefault, NeverDetect).Ipv4Cidr);
        var e = Assert.Throws<UsageException>(() => NodeOptions.Parse(
            ["--node", "n1", "--ipv4-address", "10.0.1.2/24", "--ip-autodetection-method", "first-found"], NoEnvironment, NeverDetect));
        Assert.Equal("--ipv4-address and --ip-autodetection-method: give one, not both", e.Message);
    }

    [Fact]
    public void A_bad_method_in_the_environment_is_named_with_the_variable()
    {
        var env = new Dictionary<string, string> { ["IP_AUTODETECTION_METHOD"] = "nearest" };
        var e = Assert.Throws<UsageException>(() => NodeOptions.Parse(["--node", "n1"], env.GetValueOrDefault, NeverDetect));
        Assert.StartsWith("IP_AUTODETECTION_METHOD: 'nearest' is not an autodetection method (first-found, interface=REGEX", e.Message);
    }
}
