using System.Net;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// A small cluster for the node daemon's end-to-end tests: a SQLite datastore file, node namespaces each running the
/// real <c>l3net-node</c>, a BIRD top-of-rack namespace routing between them, and pods made the way the CNI plugin
/// makes them (IPAM assignment, a cali veth, the WorkloadEndpoint). Disposing kills everything and removes it.
/// </summary>
public sealed class NodeFabric : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("l3t-node-").FullName;
    private readonly IDatastore _datastore;
    private readonly Dictionary<string, BackgroundProcess> _daemons = [];

    public NodeFabric()
    {
        Requires.Netns();
        Requires.Command("bird");
        Requires.Command("iptables-restore");
        Requires.Command("ipset");
        Net = new TestNetwork();
        Tor = Net.AddHost("tor", forwarding: true);
        _datastore = DatastoreFactory.Open(Datastore);
        Store = new ResourceStore(_datastore);
        Ipam = new IpamService(_datastore);
    }

    public TestNetwork Net { get; }
    public NetnsHost Tor { get; }
    public BirdPeer? Bird { get; private set; }
    public ResourceStore Store { get; }
    public IpamService Ipam { get; }
    public Dictionary<string, NetnsHost> Nodes { get; } = [];
    public string Datastore => "sqlite://" + Path.Combine(_dir, "l3net.db");

    private readonly Dictionary<int, string> _addresses = [];
    private NetnsHost? _switch;

    /// <summary>Node i's fabric address: 10.0.i.2/24 behind the ToR, or 10.0.0.i/24 on the shared segment.</summary>
    public string NodeAddress(int i) => _addresses.TryGetValue(i, out var a) ? a : $"10.0.{i}.2/24";

    public string StatusSocket(int i) => Path.Combine(_dir, $"node{i}.sock");
    public static string TorAddress(int i) => $"10.0.{i}.1";

    /// <summary>Node i on its own /24 towards the ToR, default route via the ToR.</summary>
    public NetnsHost AddNode(int i)
    {
        var node = Net.AddHost($"node{i}", forwarding: true);
        Net.Link(Tor, TorAddress(i) + "/24", node, NodeAddress(i), nameB: "eth0");
        node.Ip("route", "add", "default", "via", TorAddress(i));
        Nodes[$"node{i}"] = node;
        return node;
    }

    /// <summary>Node i on one layer-2 segment with every other such node (a bridge in a switch namespace), for the
    /// iBGP mesh and route reflection, where next hops are the other nodes themselves.</summary>
    public NetnsHost AddSwitchedNode(int i)
    {
        if (_switch is null)
        {
            _switch = Net.AddHost("switch");
            _switch.Ip("link", "add", "br0", "type", "bridge");
            _switch.Ip("link", "set", "br0", "up");
        }
        var node = Net.AddHost($"node{i}", forwarding: true);
        _addresses[i] = $"10.0.0.{i}/24";
        Net.Link(_switch, null, node, _addresses[i], nameA: $"port{i}", nameB: "eth0");
        _switch.Ip("link", "set", $"port{i}", "master", "br0");
        // Proxy ARP answers a pod's 169.254.1.1 only when the node routes that address elsewhere: hosts have a default
        // route, so give the node one (onto the closed segment).
        node.Ip("route", "add", "default", "dev", "eth0");
        Nodes[$"node{i}"] = node;
        return node;
    }

    /// <summary>BIRD on the ToR (AS 65000) with one eBGP session per node; learned routes go to the ToR's kernel.</summary>
    public async Task StartTorAsync(IEnumerable<(int Index, uint As)> nodes)
    {
        var sessions = string.Concat(nodes.Select(n => $$"""
            protocol bgp node{{n.Index}} {
              local {{TorAddress(n.Index)}} as 65000;
              neighbor {{NodeAddress(n.Index).Split('/')[0]}} as {{n.As}};
              ipv4 { import all; export all; next hop self; };
            }

            """));
        Bird = await BirdPeer.StartAsync(Tor, $$"""
            router id 10.0.0.254;
            protocol device { }
            protocol kernel { ipv4 { import none; export all; }; }
            {{sessions}}
            """);
    }

    public BackgroundProcess StartDaemon(int i, uint? asn = null)
    {
        var name = $"node{i}";
        _daemons.Remove(name, out var old);
        old?.Dispose();
        var args = new List<string>
        {
            "--node", name, "--datastore", Datastore, "--ipv4-address", NodeAddress(i),
            "--status-socket", StatusSocket(i), "--health", "127.0.0.1:9099", "--resync-interval", "2",
        };
        if (asn is { } a)
            args.AddRange(["--as", a.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var p = Nodes[name].Start(DaemonPath(), args);
        _daemons[name] = p;
        return p;
    }

    public string DaemonOutput(string node) => _daemons.TryGetValue(node, out var p) ? p.Output : "";

    /// <summary>A pod as the CNI plugin makes it: an IPAM address, <c>eth0</c> with the /32 and the 169.254.1.1
    /// default route, the host-side cali veth with proxy ARP, and its WorkloadEndpoint.</summary>
    public async Task<FabricPod> AddPodAsync(int node, string pod, Dictionary<string, string>? labels = null)
    {
        var nodeName = $"node{node}";
        var host = Nodes[nodeName];
        var podHost = Net.AddHost(pod);
        var assigned = await Ipam.AutoAssignAsync(new AutoAssignRequest { Handle = Handle(pod), Node = nodeName },
            TestContext.Current.CancellationToken);
        var ip = assigned[0].Address.ToString();
        var iface = Interface(pod);
        host.Ip("link", "add", iface, "type", "veth", "peer", "name", "eth0", "netns", podHost.Namespace);
        host.Ip("link", "set", iface, "up");
        host.Sysctl($"net.ipv4.conf.{iface}.proxy_arp", "1");
        podHost.Ip("addr", "add", ip + "/32", "dev", "eth0");
        podHost.Ip("link", "set", "eth0", "up");
        podHost.Ip("route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
        podHost.Ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
        var wep = new WorkloadEndpoint { Metadata = { Name = $"{nodeName}-{pod}-eth0", Namespace = "default", Labels = labels ?? [] } };
        wep.Spec = new WorkloadEndpointSpec
        {
            Node = nodeName, Pod = pod, ContainerId = pod, Network = "k8s-pod-network", InterfaceName = iface, IpNetworks = [ip + "/32"],
        };
        await Store.CreateAsync(wep, TestContext.Current.CancellationToken);
        return new FabricPod(pod, node, podHost, ip, assigned[0].Block);
    }

    /// <summary>What CNI DEL does, in its order: the veth goes, the address is released and the node's blocks it
    /// emptied are given back (so the node withdraws them), then the WorkloadEndpoint is deleted.</summary>
    public async Task DeletePodAsync(FabricPod pod)
    {
        var ct = TestContext.Current.CancellationToken;
        var nodeName = $"node{pod.Node}";
        Nodes[nodeName].Ip("link", "del", Interface(pod.Name));
        await Ipam.ReleaseByHandleAsync(Handle(pod.Name), ct);
        await Ipam.ReleaseEmptyBlocksAsync(nodeName, ct);
        await Store.DeleteAsync<WorkloadEndpoint>($"{nodeName}-{pod.Name}-eth0", "default", ct);
    }

    private static string Handle(string pod) => $"k8s-pod-network.{pod}";

    private static string Interface(string pod) => ("cali" + pod + "00000000000")[..15];

    public Task ApplyAsync<T>(T resource) where T : Resource => Store.ApplyAsync(resource, TestContext.Current.CancellationToken);

    /// <summary>The daemon's build output next to this test's (same configuration), as `./l3net.sh test` builds the solution.</summary>
    private static string DaemonPath()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "L3Net.sln")))
            dir = dir.Parent;
        var path = Path.Combine(dir!.FullName, "src", "Node", "bin", configuration, "net10.0", "l3net-node");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (or src/Node) in {configuration} first");
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _daemons.Values)
            d.Dispose();
        Net.Dispose();
        await _datastore.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>A pod of the fabric: its namespace, address and the IPAM block the address came from.</summary>
public sealed record FabricPod(string Name, int Node, NetnsHost Host, string Ip, IPNetwork Block);
