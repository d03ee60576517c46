using System.Net;
using System.Net.Sockets;
using L3Net.Datastore;
using L3Net.Ipam;
using System.Net.Http.Json;
using L3Net.Model.Resources;
using L3Net.Model.Status;
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
    /// <summary>How long the daemons get to bring what a test changed into the kernel and the ToR.</summary>
    public static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

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
    private readonly HashSet<int> _dualStack = [];
    private NetnsHost? _switch;

    /// <summary>Node i's fabric address: 10.0.i.2/24 behind the ToR, or 10.0.0.i/24 on the shared segment.</summary>
    public string NodeAddress(int i) => _addresses.TryGetValue(i, out var a) ? a : $"10.0.{i}.2/24";

    public string StatusSocket(int i) => Path.Combine(_dir, $"node{i}.sock");
    public static string TorAddress(int i) => $"10.0.{i}.1";

    /// <summary>Node i's IPv6 fabric address (with <c>ipv6</c> in <see cref="AddNode"/>) and the ToR's on that link.</summary>
    public static string NodeAddress6(int i) => $"fd00:0:{i}::2";
    public static string TorAddress6(int i) => $"fd00:0:{i}::1";

    /// <summary>Node i on its own /24 towards the ToR, default route via the ToR; with <paramref name="ipv6"/> also a
    /// /64 and an IPv6 default route via the ToR, and its daemon runs dual-stack (<c>--ipv6-address</c>).</summary>
    public NetnsHost AddNode(int i, bool ipv6 = false)
    {
        var node = Net.AddHost($"node{i}", forwarding: true);
        Net.Link(Tor, TorAddress(i) + "/24", node, NodeAddress(i), nameB: "eth0");
        node.Ip("route", "add", "default", "via", TorAddress(i));
        if (ipv6)
        {
            Tor.Ip("-6", "addr", "add", TorAddress6(i) + "/64", "dev", $"node{i}", "nodad");
            node.Ip("-6", "addr", "add", NodeAddress6(i) + "/64", "dev", "eth0", "nodad");
            node.Ip("-6", "route", "add", "default", "via", TorAddress6(i));
            _dualStack.Add(i);
        }
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

    /// <summary>BIRD on the ToR (AS 65000) with one eBGP session per node, and for a dual-stack node a second one over
    /// IPv6 (<c>node{i}_v6</c>, as Calico's BIRD runs a session per family); learned routes go to the ToR's kernel.
    /// <paramref name="nodePort"/> is the port the nodes listen on (BGPConfiguration listenPort). With <paramref name="bfd"/>
    /// every session runs BFD (100 ms x 3); <paramref name="extra"/> is more configuration.</summary>
    public async Task StartTorAsync(IEnumerable<(int Index, uint As)> nodes, int nodePort = 179, bool bfd = false, string extra = "")
    {
        var bfdOn = bfd ? "bfd on;" : "";
        string Session(string name, string local, string neighbor, uint asn, string family) => $$"""
            protocol bgp {{name}} {
              local {{local}} as 65000;
              neighbor {{neighbor}} port {{nodePort}} as {{asn}};
              {{bfdOn}}
              {{family}} { import all; export all; next hop self; };
            }

            """;
        if (bfd)
            extra += """
                protocol bfd { interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }

                """;
        var sessions = string.Concat(nodes.Select(n =>
            Session($"node{n.Index}", TorAddress(n.Index), NodeAddress(n.Index).Split('/')[0], n.As, "ipv4")
            + (_dualStack.Contains(n.Index) ? Session($"node{n.Index}_v6", TorAddress6(n.Index), NodeAddress6(n.Index), n.As, "ipv6") : "")));
        Bird = await BirdPeer.StartAsync(Tor, $$"""
            router id 10.0.0.254;
            protocol device { }
            protocol kernel kernel4 { ipv4 { import none; export all; }; }
            protocol kernel kernel6 { ipv6 { import none; export all; }; }
            {{extra}}
            {{sessions}}
            """);
    }

    /// <summary>Whether the ToR's BIRD table holds exactly <paramref name="prefix"/>, asked on BIRD's control socket
    /// directly (what birdc does) so that polling costs no process start and timing it stays precise on a busy machine.
    /// Replies are lines "CODE-text" or " text" until one "CODE text"; a missing network answers 8001.</summary>
    public bool TorHas(IPNetwork prefix)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(Bird!.Socket));
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        using var writer = new StreamWriter(stream) { AutoFlush = true };
        reader.ReadLine(); // 0001 greeting
        writer.Write($"show route {prefix}\n");
        var found = false;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            found |= line.Contains(prefix.ToString(), StringComparison.Ordinal);
            if (line.Length > 4 && char.IsAsciiDigit(line[0]) && line[4] == ' ')
                break;
        }
        return found;
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
        if (_dualStack.Contains(i))
            args.AddRange(["--ipv6-address", NodeAddress6(i) + "/64"]);
        var p = Nodes[name].Start(DaemonPath(), args);
        _daemons[name] = p;
        return p;
    }

    public string DaemonOutput(string node) => _daemons.TryGetValue(node, out var p) ? p.Output : "";

    /// <summary>A pod as the CNI plugin makes it: an IPAM address (and with <paramref name="ipv6"/> a second one from
    /// an IPv6 pool), <c>eth0</c> with the /32 (/128) and the default routes via 169.254.1.1 (and the host end's
    /// link-local address, the host end having Calico's ee:ee:ee:ee:ee:ee), the host-side cali veth with proxy ARP, and
    /// its WorkloadEndpoint with <paramref name="ports"/> as the pod's named ports.</summary>
    public async Task<FabricPod> AddPodAsync(int node, string pod, Dictionary<string, string>? labels = null, bool ipv6 = false,
        List<WorkloadEndpointPort>? ports = null)
    {
        var nodeName = $"node{node}";
        var host = Nodes[nodeName];
        var podHost = Net.AddHost(pod);
        var assigned = await Ipam.AutoAssignAsync(new AutoAssignRequest { Handle = Handle(pod), Node = nodeName, Num6 = ipv6 ? 1 : 0 },
            TestContext.Current.CancellationToken);
        var v4 = assigned.First(a => a.Address.AddressFamily == AddressFamily.InterNetwork);
        var ip = v4.Address.ToString();
        var v6 = assigned.FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6);
        var ip6 = v6?.Address.ToString();
        var iface = Interface(pod);
        host.Ip("link", "add", iface, "address", "ee:ee:ee:ee:ee:ee", "type", "veth", "peer", "name", "eth0", "netns", podHost.Namespace);
        // The host end's link-local address is the pod's IPv6 gateway: usable at once, not after duplicate detection.
        host.Sysctl($"net.ipv6.conf.{iface}.accept_dad", "0");
        host.Ip("link", "set", iface, "up");
        host.Sysctl($"net.ipv4.conf.{iface}.proxy_arp", "1");
        podHost.Ip("addr", "add", ip + "/32", "dev", "eth0");
        podHost.Ip("link", "set", "eth0", "up");
        podHost.Ip("route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
        podHost.Ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
        if (ip6 is not null)
        {
            podHost.Ip("-6", "addr", "add", ip6 + "/128", "dev", "eth0", "nodad");
            podHost.Ip("-6", "route", "add", "default", "via", "fe80::ecee:eeff:feee:eeee", "dev", "eth0");
        }
        var wep = new WorkloadEndpoint { Metadata = { Name = $"{nodeName}-{pod}-eth0", Namespace = "default", Labels = labels ?? [] } };
        wep.Spec = new WorkloadEndpointSpec
        {
            Node = nodeName, Pod = pod, ContainerId = pod, Network = "k8s-pod-network", InterfaceName = iface,
            IpNetworks = ip6 is null ? [ip + "/32"] : [ip + "/32", ip6 + "/128"], Ports = ports,
        };
        await Store.CreateAsync(wep, TestContext.Current.CancellationToken);
        return new FabricPod(pod, node, podHost, ip, v4.Block, ip6, v6?.Block);
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

    /// <summary>The host-side veth of a fabric pod.</summary>
    public static string Interface(string pod) => ("cali" + pod + "00000000000")[..15];

    /// <summary>Our chains' rules without packet counters, from <c>iptables-save</c> or <c>ip6tables-save</c>.</summary>
    public static string OurRules(NetnsHost node, string save = "iptables-save")
        => string.Join('\n', node.Exec(save).Stdout.Split('\n').Where(l => l.StartsWith("-A l3n-", StringComparison.Ordinal)));

    /// <summary>Node i's <c>GET /status</c> over its unix socket, as <c>l3netctl node status</c> reads it.</summary>
    public async Task<NodeStatusReport> StatusAsync(int i, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(StatusSocket(i)), token);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler);
        return (await client.GetFromJsonAsync<NodeStatusReport>("http://node/status", ct))!;
    }

    public Task ApplyAsync<T>(T resource) where T : Resource => Store.ApplyAsync(resource, TestContext.Current.CancellationToken);

    /// <summary>The daemon's build output next to this test's (same configuration), as `./l3net.sh test` builds the solution.</summary>
    internal static string DaemonPath()
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

/// <summary>A pod of the fabric: its namespace, address, the IPAM block the address came from, and its IPv6 address
/// and block when it has one.</summary>
public sealed record FabricPod(string Name, int Node, NetnsHost Host, string Ip, IPNetwork Block, string? Ip6 = null, IPNetwork? Block6 = null)
{
    /// <summary>Whether a TCP connection from this pod to <paramref name="address"/>:<paramref name="port"/> opens within
    /// a second (a dropped SYN does not).</summary>
    public bool Connects(string address, int port)
        => Host.Exec("timeout", "1", "bash", "-c", $"echo > /dev/tcp/{address}/{port}").Ok;
}
