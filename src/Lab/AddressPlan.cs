using System.Net;

namespace L3Net.Lab;

/// <summary>
/// The lab's addresses, AS numbers and names. One shared layer-2 segment (a bridge in the ToR namespace) carries
/// every node: the ToR is the segment's router, the nodes are hosts on it. Next hops learned over the node-to-node
/// mesh are then on-link, as in a real rack, and in the ToR topology the ToR sets itself as next hop so pod
/// traffic crosses it. Each node's default route points at the ToR, as a server's does; the ToR itself has none, so
/// a pod reaches another node's pod only through routes BGP put in place. Every lab owns its namespaces, so two
/// labs use the same addresses without meeting.
/// <para>The dual-tor topology replaces the one segment by four: rack r's ToR A (<c>r{r}a</c>) and ToR B
/// (<c>r{r}b</c>) each own a segment (<c>10.0.{2r-1}.0/24</c> and <c>10.0.{2r}.0/24</c>, the ToR at <c>.1</c>, node i
/// at <c>.{10+i}</c>), every node of the rack is plugged into both, and each ToR has a point-to-point uplink to the
/// spine (<c>10.0.{100+s}.0/24</c>, spine <c>.1</c>, ToR <c>.2</c>, s the segment's number). Both ToRs of a rack
/// share the rack's AS (65100+r), the spine is AS 65000, each node keeps its own AS as in the tor topology: the
/// cluster AS on every node would make a node drop the other rack's routes (its own AS already in their path).</para>
/// </summary>
public sealed class AddressPlan(LabOptions options)
{
    public const int MaxNodes = 50;
    public const int MaxPodsPerNode = 60;

    public const string FabricPrefix = "10.0.0";
    public const int FabricPrefixLength = 24;
    public const string TorAddress = FabricPrefix + ".1";
    public const string PoolCidr = "10.244.0.0/16";
    public const int BlockSize = 26;
    public const uint TorAs = 65000;
    public const uint ClusterAs = 64512;
    public const int Racks = 2;
    public const uint RackAsBase = 65100;
    public const string SpineAddress = FabricPrefix + ".1";
    public const int EtcdPort = 2379;
    public const string NetworkName = "k8s-pod-network";
    public const string PodInterface = "eth0";

    /// <summary>Route reflector cluster ID of node1 in the rr topology (Calico's usual form).</summary>
    public const string ClusterId = "244.0.0.1";

    /// <summary>The ToR namespace's bridge: the one segment every node is plugged into.</summary>
    public const string FabricBridge = "fabric";

    private static readonly IPNetwork Pool = IPNetwork.Parse(PoolCidr);

    /// <summary>Whether a line of <c>ip route</c> leads into the pod pool ("10.244.3.0/26 via 10.0.0.1 ...").</summary>
    public static bool IsPodRoute(string routeLine)
        => IPAddress.TryParse(routeLine.Split(' ')[0].Split('/')[0], out var destination) && Pool.Contains(destination);

    public LabOptions Options { get; } = options;

    public string Namespace(string host) => $"{Options.Name}-{host}";

    public string TorNamespace => Namespace("tor");

    public static string NodeName(int index) => $"node{index}";

    public IEnumerable<int> NodeIndexes => Enumerable.Range(1, Options.Nodes);

    public static string NodeAddress(int index) => $"{FabricPrefix}.{10 + index}";

    /// <summary>The address the node registers (its Node resource, <c>--ipv4-address</c>): on the one fabric segment,
    /// or in dual-tor its link to ToR A.</summary>
    public string NodeAddressOf(int index) => DualTor ? Uplink(index, TorSide.A).NodeAddress : NodeAddress(index);

    /// <summary>eBGP to the ToR(s) gives each node its own AS; mesh and rr share the cluster AS.</summary>
    public uint NodeAs(int index) => Options.Topology is Topology.Tor or Topology.DualTor ? TorAs + (uint)index : ClusterAs;

    private bool DualTor => Options.Topology == Topology.DualTor;

    /// <summary>The node's rack: in dual-tor the nodes alternate between the racks (node1 in r1, node2 in r2, ...), so
    /// any two consecutive nodes are in different racks; elsewhere every node is a rack of its own.</summary>
    public int RackOf(int index) => DualTor ? (index - 1) % Racks + 1 : index;

    public static uint RackAs(int rack) => RackAsBase + (uint)rack;

    /// <summary>The dual-tor segment number of a rack's ToR (1..4): ToR A of rack r is 2r-1, ToR B 2r.</summary>
    private static int Segment(int rack, TorSide side) => 2 * (rack - 1) + (side == TorSide.A ? 1 : 2);

    public static string TorName(int rack, TorSide side) => $"r{rack}{side.ToString().ToLowerInvariant()}";

    /// <summary>A dual-tor node's link to one ToR of its rack: <c>eth0</c> to ToR A, <c>eth1</c> to ToR B; the ToR's
    /// end is the bridge port named after the node.</summary>
    public NodeUplink Uplink(int index, TorSide side)
    {
        var rack = RackOf(index);
        return new NodeUplink(Namespace(NodeName(index)), side == TorSide.A ? "eth0" : "eth1", $"{SegmentPrefix(rack, side)}.{10 + index}",
            Namespace(TorName(rack, side)), NodeName(index), SegmentTorAddress(rack, side), side);
    }

    private static string SegmentPrefix(int rack, TorSide side) => $"10.0.{Segment(rack, side)}";

    /// <summary>A dual-tor ToR's address on its node segment: the nodes' next hop and the ToR's router ID.</summary>
    public static string SegmentTorAddress(int rack, TorSide side) => $"{SegmentPrefix(rack, side)}.1";

    /// <summary>A dual-tor ToR's uplink to the spine: (spine address, ToR address, the spine's device name).</summary>
    public static (string Spine, string Tor, string SpineDevice) SpineLink(int rack, TorSide side)
    {
        var prefix = $"10.0.{100 + Segment(rack, side)}";
        return ($"{prefix}.1", $"{prefix}.2", TorName(rack, side));
    }

    /// <summary>The lab's BGP routers, the core first: the one ToR, or the spine and then each rack's two ToRs. The
    /// core's kernel table must route every pod once the lab has converged.</summary>
    public IReadOnlyList<RouterSite> Routers => DualTor ? [Spine(), .. DualTors()] : [SingleTor()];

    public RouterSite CoreRouter => Routers[0];

    private RouterSite SingleTor() => new("tor", TorNamespace, TorAddress, TorAs,
        [.. NodeIndexes.Select(i => new RouterNeighbor(NodeName(i), NodeAddress(i), NodeAs(i), Options.Bfd))]);

    private static IEnumerable<(int Rack, TorSide Side)> TorSlots =>
        from rack in Enumerable.Range(1, Racks) from side in new[] { TorSide.A, TorSide.B } select (rack, side);

    private RouterSite Spine() => new("spine", Namespace("spine"), SpineAddress, TorAs,
        [.. TorSlots.Select(t => new RouterNeighbor(TorName(t.Rack, t.Side), SpineLink(t.Rack, t.Side).Tor, RackAs(t.Rack), Bfd: false))]);

    private IEnumerable<RouterSite> DualTors() => TorSlots.Select(t =>
    {
        var name = TorName(t.Rack, t.Side);
        var nodes = NodeIndexes.Where(i => RackOf(i) == t.Rack)
            .Select(i => new RouterNeighbor(NodeName(i), Uplink(i, t.Side).NodeAddress, NodeAs(i), Options.Bfd));
        var spine = new RouterNeighbor("spine", SpineLink(t.Rack, t.Side).Spine, TorAs, Bfd: false);
        return new RouterSite(name, Namespace(name), SegmentTorAddress(t.Rack, t.Side), RackAs(t.Rack), [.. nodes, spine]);
    });

    public static string PodName(string node, int index) => $"{node}-p{index}";

    /// <summary>The pod's own network namespace; its name starts with the lab prefix so that down/cleanup finds it.</summary>
    public string PodNamespace(string pod) => Namespace(pod);

    public string EtcdEndpoint => $"etcd://{TorAddress}:{EtcdPort}";

    public string SqlitePath => Path.Combine(Options.StateDir, "l3net.db");

    /// <summary>The datastore string the node daemons and the CNI plugin use, from inside their namespaces.</summary>
    public string NodeDatastore => Options.Datastore == LabDatastoreKind.Etcd ? EtcdEndpoint : $"sqlite://{SqlitePath}";
}

public enum TorSide { A, B }

/// <summary>One BGP router of the lab: its namespace, identity and the sessions it is configured with.</summary>
public sealed record RouterSite(string Name, string Namespace, string RouterId, uint As, IReadOnlyList<RouterNeighbor> Neighbors);

/// <summary>A neighbor of a lab router; <paramref name="Bfd"/> runs BFD on the session (node-facing sessions only).</summary>
public sealed record RouterNeighbor(string Name, string Address, uint As, bool Bfd);

/// <summary>A dual-tor node's link to one of its ToRs, both ends (device and address).</summary>
public sealed record NodeUplink(string NodeNamespace, string NodeDevice, string NodeAddress,
    string TorNamespace, string TorDevice, string TorAddress, TorSide Side);
