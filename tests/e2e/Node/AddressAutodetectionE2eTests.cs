using System.Net.Sockets;
using L3Net.Datastore;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// IP_AUTODETECTION_METHOD against the real kernel: a node namespace with a loopback, a docker0 and a dummy0 (veths) that
/// first-found must skip, two uplinks (ens3 to a router namespace, ens4 to a storage network), a down ens5, and
/// IPv6 on ens3. Each method is run inside the namespace through our netlink dump and the kernel's route choice.
/// </summary>
public sealed class AddressAutodetectionE2eTests : IDisposable
{
    private readonly TestNetwork _net = new();
    private readonly NetnsHost _node;

    public AddressAutodetectionE2eTests()
    {
        _node = _net.AddHost("node");
        var router = _net.AddHost("router");
        var storage = _net.AddHost("storage");
        // Interface indexes grow in creation order; Calico's first-found takes the highest index first.
        _net.Link(_node, "10.60.1.2/24", router, "10.60.1.1/24", nameA: "ens3", nameB: "up0");
        _node.Ip("-6", "addr", "add", "fd00:60::2/64", "dev", "ens3", "nodad");
        _net.Link(_node, "192.168.60.2/24", storage, "192.168.60.1/24", nameA: "ens4", nameB: "st0");
        _node.Ip("route", "add", "default", "via", "10.60.1.1");
        // Veth pairs (this kernel has no dummy links) whose other ends wait in a sink namespace.
        var sink = _net.AddHost("sink");
        _net.Link(_node, "172.17.0.1/16", sink, null, nameA: "docker0", nameB: "d0");
        _net.Link(_node, "10.99.0.1/24", sink, null, nameA: "dummy0", nameB: "d1");
        _net.Link(_node, "10.61.0.2/24", sink, null, nameA: "ens5", nameB: "d2");
        _node.Ip("link", "set", "ens5", "down");
    }

    private string Detect(string method, AddressFamily family = AddressFamily.InterNetwork)
        => NetNamespace.Run(_node.NetnsPath, () =>
        {
            var (address, length) = AddressAutodetector.DetectHere(AutodetectionMethod.Parse(method, "IP_AUTODETECTION_METHOD"), family, "IP_AUTODETECTION_METHOD");
            return $"{address}/{length}";
        });

    [Theory]
    [InlineData("first-found", "192.168.60.2/24")] // ens4: highest index of the up, non-excluded ones
    [InlineData("interface=ens3", "10.60.1.2/24")]
    [InlineData("interface=^ens[35]$", "10.60.1.2/24")] // ens5 matches but is down
    [InlineData("interface=dummy.*", "10.99.0.1/24")] // an explicit regex overrides the default excludes
    [InlineData("skip-interface=ens4", "10.60.1.2/24")]
    [InlineData("can-reach=8.8.8.8", "10.60.1.2/24")] // default route: no packet leaves, the kernel only picks a source
    [InlineData("can-reach=192.168.60.77", "192.168.60.2/24")]
    [InlineData("can-reach=10.60.1.2", "10.60.1.2/24")] // the DaemonSet's default: can-reach=$(HOST_IP), the node's own address
    [InlineData("cidr=10.60.0.0/16", "10.60.1.2/24")]
    public void Each_method_finds_the_address_the_kernel_has(string method, string expected)
        => Assert.Equal(expected, Detect(method));

    [Fact]
    public void Ipv6_first_found_skips_the_link_local_addresses_every_interface_has()
        => Assert.Equal("fd00:60::2/64", Detect("first-found", AddressFamily.InterNetworkV6));

    [Theory]
    [InlineData("interface=eth.*", "no interface that is up matches")]
    [InlineData("interface=ens5", "no interface that is up matches")]
    [InlineData("cidr=10.70.0.0/16", "no usable address on")]
    public void Nothing_matching_is_an_error_naming_the_method(string method, string why)
    {
        var e = Assert.Throws<AutodetectionException>(() => Detect(method));
        Assert.Contains($"IP_AUTODETECTION_METHOD: '{method}' found no IPv4 address: {why}", e.Message);
    }

    [Fact]
    public void Can_reach_with_no_route_says_so()
    {
        _node.Ip("route", "del", "default");
        var e = Assert.Throws<AutodetectionException>(() => Detect("can-reach=8.8.8.8"));
        Assert.Contains("found no IPv4 address: no route to 8.8.8.8", e.Message);
    }

    [Fact]
    public async Task The_daemon_started_without_an_address_registers_the_detected_one()
    {
        var dir = Directory.CreateTempSubdirectory("l3net-autodetect-").FullName;
        try
        {
            var datastore = "sqlite://" + Path.Combine(dir, "l3net.db");
            var daemon = _node.Start(NodeDaemonPath(), ["--node", "auto1", "--datastore", datastore, "--status-socket", Path.Combine(dir, "node.sock"),
                "--health", "127.0.0.1:9099"], new Dictionary<string, string> { ["IP_AUTODETECTION_METHOD"] = "interface=ens3" });
            await using var store = DatastoreFactory.Open(DatastoreConfig.Resolve(datastore));
            var resources = new ResourceStore(store);
            string? registered = null;
            await Eventually.AssertAsync(() =>
            {
                registered = resources.GetAsync<NodeResource>("auto1").GetAwaiter().GetResult()?.Spec.Bgp?.Ipv4Address;
                return registered is not null || daemon.HasExited;
            }, TimeSpan.FromSeconds(60), "the Node resource", () => daemon.Output);
            Assert.True(registered == "10.60.1.2/24", $"registered {registered ?? "nothing"}; daemon output:\n{daemon.Output}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_daemon_refuses_a_bad_method_with_exit_2_naming_the_variable()
    {
        var r = await _node.ExecAsync(null, new Dictionary<string, string> { ["IP_AUTODETECTION_METHOD"] = "interface=wlan0" },
            NodeDaemonPath(), "--node", "auto2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("l3net-node: IP_AUTODETECTION_METHOD: 'interface=wlan0' found no IPv4 address: no interface that is up matches", r.Stderr);
    }

    private static string NodeDaemonPath()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "L3Net.sln")))
            dir = dir.Parent;
        var path = Path.Combine(dir!.FullName, "src", "Node", "bin", configuration, "net10.0", "l3net-node");
        Assert.True(File.Exists(path), $"{path} is missing: build src/Node in {configuration} first");
        return path;
    }

    public void Dispose() => _net.Dispose();
}
