using System.Net;
using L3Net.Felix.Policy;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Node.Cache;

namespace L3Net.Node;

/// <summary>
/// Everything the node derives its BGP and dataplane state from, as its <see cref="Cache.ClusterCache"/> holds it at
/// <see cref="Revision"/>.
/// </summary>
public sealed record ClusterSnapshot(
    long Revision,
    IReadOnlyList<NodeResource> Nodes,
    IReadOnlyList<BGPPeer> Peers,
    BGPConfiguration? Config,
    IReadOnlyList<IPPool> Pools,
    RecordCollection<WorkloadEndpoint> Endpoints,
    RecordCollection<NetworkPolicy> Policies,
    IReadOnlyList<IPNetwork> AffineBlocks,
    IReadOnlyList<IPAddress> Borrowed)
{
    /// <summary>Labels of a namespace, for policy namespaceSelectors: the API's Namespaces under the Kubernetes
    /// datastore, otherwise the one label Kubernetes sets on every namespace.</summary>
    public Func<string, IReadOnlyDictionary<string, string>> NamespaceLabels { get; init; } = RuleInputs.DefaultNamespaceLabels;

    /// <summary>Every node's BGP listen port (BGPConfiguration <c>listenPort</c>, per node or cluster-wide), by node name.</summary>
    public IReadOnlyDictionary<string, int> ListenPorts { get; init; } = new Dictionary<string, int>();

    /// <summary>The BGPFilters, for the BGPPeers that name them.</summary>
    public IReadOnlyList<BGPFilter> Filters { get; init; } = [];

    /// <summary>Every IPAM block with its allocations, as the cache holds them (not copied).</summary>
    public RecordCollection<BlockInfo> Blocks { get; init; } = new(System.Collections.Immutable.ImmutableSortedDictionary<string, BlockInfo>.Empty);

    /// <summary>The blocks that concern this node (affine to it, or holding addresses it borrowed): its borrowed
    /// addresses, its IPAM and CNI figures.</summary>
    public IReadOnlyList<BlockInfo> OwnBlocks { get; init; } = [];

    /// <summary>This node's endpoints (a few dozen, where <see cref="Endpoints"/> may hold the whole cluster's).</summary>
    public RecordCollection<WorkloadEndpoint> LocalEndpoints { get; init; } = new(System.Collections.Immutable.ImmutableSortedDictionary<string, WorkloadEndpoint>.Empty);

    /// <summary>The last revision that changed anything the speaker is configured from (all but endpoints and
    /// policies): a snapshot with the same one needs no new speaker configuration.</summary>
    public long BgpRevision { get; init; }

    /// <summary>The endpoint and policy keys changed, by position, for the one reader that follows them (the dataplane).</summary>
    public ChangeJournal Changes { get; init; } = new();

    /// <summary>The position in <see cref="Changes"/> this snapshot holds every change up to.</summary>
    public long JournalPosition { get; init; }

    /// <summary>The snapshot of <paramref name="node"/> from every record of the kinds it follows, as of <paramref name="revision"/>.</summary>
    public static ClusterSnapshot Of(string node, long revision, IReadOnlyList<NodeResource> nodes, IReadOnlyList<BGPPeer> peers,
        IReadOnlyList<BGPFilter> filters, IReadOnlyList<BGPConfiguration> configs, IReadOnlyList<IPPool> pools, RecordCollection<WorkloadEndpoint> endpoints,
        RecordCollection<NetworkPolicy> policies, IReadOnlyList<IPNetwork> affineBlocks, RecordCollection<BlockInfo> blocks,
        IReadOnlyList<BlockInfo> ownBlocks)
    {
        // Calico's layering: the node's own BGPConfiguration ("node.NAME") overrides the cluster's ("default").
        var config = configs.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.NodeName(node))
                     ?? configs.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.DefaultName);
        return new ClusterSnapshot(revision, nodes, peers, config, pools, endpoints, policies, affineBlocks, IpamRecords.Borrowed(ownBlocks, node))
        {
            ListenPorts = nodes.ToDictionary(n => n.Metadata.Name, n => BGPConfiguration.ListenPortOf(n.Metadata.Name, configs)),
            Blocks = blocks,
            OwnBlocks = ownBlocks,
            Filters = filters,
        };
    }

    /// <summary>What this node advertises: its affine blocks (unless their pool opts out of BGP export), its borrowed
    /// addresses as host routes, and the configured service ranges.</summary>
    public IReadOnlyList<IPNetwork> Originated()
    {
        var noExport = Pools.Where(p => p.Spec.DisableBgpExport && IPNetwork.TryParse(p.Spec.Cidr, out _))
            .Select(p => IPNetwork.Parse(p.Spec.Cidr)).ToList();
        var service = (Config?.Spec.ServiceClusterIps ?? []).Concat(Config?.Spec.ServiceExternalIps ?? [])
            .Concat(Config?.Spec.ServiceLoadBalancerIps ?? [])
            .Select(c => IPNetwork.TryParse(c.Cidr, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>();
        return AffineBlocks.Where(b => !noExport.Any(p => p.Contains(b.BaseAddress)))
            .Concat(Borrowed.Select(a => new IPNetwork(a, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)))
            .Concat(service).Distinct().ToList();
    }

    /// <summary>What Felix calculates iptables rules and ipsets from, as this node sees the cluster.</summary>
    public RuleInputs ToRuleInputs(string node) => new(node, Endpoints, Policies, Pools) { NamespaceLabels = NamespaceLabels };
}
