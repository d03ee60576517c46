using System.Net;

namespace L3Net.Lab;

/// <summary>
/// The lab's addresses, AS numbers and names. One shared layer-2 segment (a bridge in the ToR namespace) carries
/// every node: the ToR is the segment's router, the nodes are hosts on it. Next hops learned over the node-to-node
/// mesh are then on-link, as in a real rack, and in the ToR topology the ToR sets itself as next hop so pod
/// traffic crosses it. Each node's default route points at the ToR, as a server's does; the ToR itself has none, so
/// a pod reaches another node's pod only through routes BGP put in place. Every lab owns its namespaces, so two
/// labs use the same addresses without meeting.
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

    /// <summary>eBGP to the ToR gives each node its own AS (one rack each); mesh and rr share the cluster AS.</summary>
    public uint NodeAs(int index) => Options.Topology == Topology.Tor ? TorAs + (uint)index : ClusterAs;

    public static string PodName(string node, int index) => $"{node}-p{index}";

    /// <summary>The pod's own network namespace; its name starts with the lab prefix so that down/cleanup finds it.</summary>
    public string PodNamespace(string pod) => Namespace(pod);

    public string EtcdEndpoint => $"etcd://{TorAddress}:{EtcdPort}";

    public string SqlitePath => Path.Combine(Options.StateDir, "l3net.db");

    /// <summary>The datastore string the node daemons and the CNI plugin use, from inside their namespaces.</summary>
    public string NodeDatastore => Options.Datastore == LabDatastoreKind.Etcd ? EtcdEndpoint : $"sqlite://{SqlitePath}";
}
