using System.Net;
using L3Net.Datastore;
using L3Net.Felix.Policy;
using L3Net.Ipam;
using L3Net.Model.Resources;

namespace L3Net.Node;

/// <summary>
/// Everything the node derives its BGP and dataplane state from, read in one pass. <see cref="Revision"/> is the
/// lowest revision the lists were read at, so a watch from <c>Revision + 1</c> misses no change (a repeated event
/// only causes one more, identical, snapshot).
/// </summary>
public sealed record ClusterSnapshot(
    long Revision,
    IReadOnlyList<NodeResource> Nodes,
    IReadOnlyList<BGPPeer> Peers,
    BGPConfiguration? Config,
    IReadOnlyList<IPPool> Pools,
    IReadOnlyList<WorkloadEndpoint> Endpoints,
    IReadOnlyList<NetworkPolicy> Policies,
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

    /// <summary>Every IPAM block with its allocations: the node's borrowed addresses, its IPAM and CNI figures.</summary>
    public IReadOnlyList<BlockInfo> Blocks { get; init; } = [];

    public static async Task<ClusterSnapshot> ReadAsync(ResourceStore store, IpamService ipam, string node, CancellationToken ct)
    {
        var nodes = await store.ListAsync<NodeResource>(ct: ct);
        var peers = await store.ListAsync<BGPPeer>(ct: ct);
        var filters = await store.ListAsync<BGPFilter>(ct: ct);
        var configs = await store.ListAsync<BGPConfiguration>(ct: ct);
        var pools = await store.ListAsync<IPPool>(ct: ct);
        var endpoints = await store.ListAsync<WorkloadEndpoint>(ct: ct);
        var policies = await store.ListAsync<NetworkPolicy>(ct: ct);
        var blocks = await ipam.AffineBlocksAsync(node, ct);
        var allBlocks = await ipam.ListBlocksAsync(ct);
        // Addresses the node assigned from blocks it does not own: it advertises each as a host route.
        IReadOnlyList<IPAddress> borrowed = [.. allBlocks.Where(b => b.Node != node).SelectMany(b => b.Allocations.Where(a => a.Node == node).Select(a => a.Address))];
        var revision = new[] { nodes.Revision, peers.Revision, filters.Revision, configs.Revision, pools.Revision, endpoints.Revision, policies.Revision }.Min();
        // Calico's layering: the node's own BGPConfiguration ("node.NAME") overrides the cluster's ("default").
        var config = configs.Items.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.NodeName(node))
                     ?? configs.Items.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.DefaultName);
        return new ClusterSnapshot(revision, nodes.Items, peers.Items, config, pools.Items, endpoints.Items, policies.Items, blocks, borrowed)
        {
            ListenPorts = nodes.Items.ToDictionary(n => n.Metadata.Name, n => BGPConfiguration.ListenPortOf(n.Metadata.Name, configs.Items)),
            Blocks = allBlocks,
            Filters = filters.Items,
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
