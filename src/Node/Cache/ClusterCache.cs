using System.Collections.Immutable;
using System.Net;
using L3Net.Datastore;
using L3Net.Felix.Policy;
using L3Net.Ipam;
using L3Net.Model.Resources;

namespace L3Net.Node.Cache;

/// <summary>What the owner of a <see cref="ClusterCache"/> hears from it while it follows the datastore.</summary>
/// <param name="Changed">The cache moved on: build a new snapshot.</param>
/// <param name="Failed">The watch or a relist failed; the cache retries by itself.</param>
/// <param name="Resynced">The watch was lost and the cache listed everything again (what Calico calls a resync).</param>
public sealed record CacheObserver(Action Changed, Action<DatastoreException> Failed, Action Resynced);

/// <summary>
/// The node's copy of the cluster, one <see cref="PrefixCache{T}"/> per kind it derives state from: one list of each
/// kind at start, then the deltas of one watch on <c>/l3net/</c>, so that a change anywhere in the cluster costs the node
/// no datastore read (Calico's Felix works from the same shape: a syncer's snapshot, then updates). When the watch is
/// lost — history compacted (etcd's "compacted", Kubernetes' 410 Gone) or the store unreachable past what the watch
/// resumes by itself — every kind is listed once more and the deltas go on from there.
/// </summary>
public sealed class ClusterCache
{
    /// <summary>Everything the node follows lives under this prefix (resources and IPAM records alike).</summary>
    public const string Root = "/l3net/";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly IDatastore _store;
    private readonly string _node;
    private readonly Lock _gate = new();
    private readonly PrefixCache<NodeResource> _nodes = Of<NodeResource>();
    private readonly PrefixCache<BGPPeer> _peers = Of<BGPPeer>();
    private readonly PrefixCache<BGPFilter> _filters = Of<BGPFilter>();
    private readonly PrefixCache<BGPConfiguration> _configs = Of<BGPConfiguration>();
    private readonly PrefixCache<IPPool> _pools = Of<IPPool>();
    private readonly PrefixCache<WorkloadEndpoint> _endpoints;
    private readonly PrefixCache<NetworkPolicy> _policies = Of<NetworkPolicy>();
    private readonly PrefixCache<IPNetwork?> _affinities;
    private readonly PrefixCache<BlockInfo> _blocks = new(IpamKeys.BlockPrefix, IpamRecords.Block);
    private readonly IReadOnlyList<IPrefixCache> _kinds;
    private readonly ChangeJournal _journal = new();
    private ImmutableSortedDictionary<string, WorkloadEndpoint> _local = ImmutableSortedDictionary.Create<string, WorkloadEndpoint>(StringComparer.Ordinal);

    /// <summary>The blocks that concern this node: affine to it, or holding an address of its (borrowed).</summary>
    private ImmutableSortedDictionary<string, BlockInfo> _ownBlocks = ImmutableSortedDictionary.Create<string, BlockInfo>(StringComparer.Ordinal);
    private long _revision;

    /// <summary>The last revision that changed something other than an endpoint or a policy: what the speaker's
    /// configuration is derived from (nodes, peers, filters, configurations, pools, affinities, blocks).</summary>
    private long _bgpRevision;

    private ClusterSnapshot? _last;

    /// <summary>Laid over endpoints and nodes as they enter the cache (the Kubernetes API's pods, namespaces, nodes).</summary>
    private readonly IClusterMetadata? _metadata;

    /// <summary>Kept with <see cref="_metadata"/> only: what a pod's or a namespace's change touches.</summary>
    private readonly PodEndpoints _podEndpoints = new();

    /// <summary>A Kubernetes Node changed: the next snapshot lays the nodes over again and configures the speaker.</summary>
    private bool _nodesChanged;

    public ClusterCache(IDatastore store, string node, IClusterMetadata? metadata = null)
    {
        _store = store;
        _node = node;
        _metadata = metadata;
        var decode = Decoder<WorkloadEndpoint>();
        _endpoints = new PrefixCache<WorkloadEndpoint>(ResourceKinds.Of<WorkloadEndpoint>().KeyPrefix, metadata is null ? decode : kv =>
        {
            var ep = decode(kv);
            metadata.Overlay(ep);
            return ep;
        });
        // Only this node's affinities: they are the blocks it advertises. Every block, for the addresses it borrowed.
        _affinities = new PrefixCache<IPNetwork?>(IpamKeys.NodeAffinities(node), IpamRecords.ConfirmedAffinity);
        _kinds = [_nodes, _peers, _filters, _configs, _pools, _endpoints, _policies, _affinities, _blocks];
    }

    /// <summary>The store revision the cache holds everything up to.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>Lists every kind; the watch then runs from the oldest of those lists, so that it misses nothing.</summary>
    public async Task FillAsync(CancellationToken ct)
    {
        var oldest = long.MaxValue;
        foreach (var kind in _kinds)
            oldest = Math.Min(oldest, await kind.ListAsync(_store, ct));
        lock (_gate)
        {
            Interlocked.Exchange(ref _revision, oldest);
            _bgpRevision = oldest;
            _local = _endpoints.Items.Where(kv => kv.Value.Spec.Node == _node).ToImmutableSortedDictionary(StringComparer.Ordinal);
            _ownBlocks = _blocks.Items.Where(kv => Concerns(kv.Value)).ToImmutableSortedDictionary(StringComparer.Ordinal);
            _podEndpoints.Clear();
            if (_metadata is not null)
            {
                // A pod change that came while the list was decoding was laid over endpoints the list then replaced:
                // lay every pod over again, with the metadata as it is now (a relist costs the cluster's size anyway).
                foreach (var key in _endpoints.Items.Keys) // an immutable map: the loop walks the one it started on
                    Overlay(key);
                foreach (var (key, ep) in _endpoints.Items)
                    _podEndpoints.Add(key, ep);
            }
            _nodesChanged = true;
            _journal.Reset();
        }
    }

    /// <summary>Under the Kubernetes datastore, what the informers changed: a pod's endpoints get its labels and ports
    /// again, a namespace's endpoints are named to the dataplane (their namespaceSelector sets), a node makes the next
    /// snapshot lay the nodes over again; a relist of a kind does that for all of it.</summary>
    public void MetadataChanged(MetadataChange change)
    {
        if (_metadata is null)
            return;
        lock (_gate)
        {
            switch (change)
            {
                case { Kind: MetadataKind.Node }:
                    _nodesChanged = true;
                    break;
                case { Key: null }:
                    if (change.Kind == MetadataKind.Pod)
                    {
                        foreach (var key in _endpoints.Items.Keys)
                            Overlay(key);
                    }
                    _journal.Reset();
                    break;
                case { Kind: MetadataKind.Pod, Key: { } pod }:
                    foreach (var key in _podEndpoints.OfPod(pod))
                    {
                        Overlay(key);
                        _journal.Record(key);
                    }
                    break;
                case { Kind: MetadataKind.Namespace, Key: { } ns }:
                    foreach (var key in _podEndpoints.OfNamespace(ns))
                        _journal.Record(key);
                    break;
            }
        }
    }

    /// <summary>Renders a cached endpoint again with its pod's metadata, on a copy: snapshots handed out keep theirs.</summary>
    private void Overlay(string key)
    {
        var ep = ResourceStore.Copy(_endpoints.Items[key]);
        _metadata!.Overlay(ep);
        _endpoints.Replace(key, ep);
        if (_local.ContainsKey(key))
            _local = _local.SetItem(key, ep);
    }

    /// <summary>Follows the watch from <see cref="Revision"/> until cancelled (after <see cref="FillAsync"/>).</summary>
    public async Task FollowAsync(CacheObserver observer, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _store.WatchAsync(Root, Revision + 1, ct))
                {
                    if (Apply(change))
                        observer.Changed();
                }
            }
            catch (DatastoreException e)
            {
                // Compaction is no failure: the history is gone, the store is fine.
                if (e is not ResyncRequiredException)
                    observer.Failed(e);
                await ResyncAsync(observer, ct);
            }
        }
    }

    /// <summary>The cluster as of <see cref="Revision"/>, as the node derives its BGP and dataplane state from it. The
    /// endpoints and policies are the cache's own immutable maps, not copies: a snapshot costs the same however many
    /// pods the cluster runs.</summary>
    public ClusterSnapshot Snapshot()
    {
        lock (_gate)
        {
            // Nothing the speaker reads changed: the last snapshot's nodes, peers, pools and what derives from them
            // (listen ports, borrowed addresses) still hold, so that a pod change costs no pass over the nodes.
            var namespaceLabels = _metadata?.NamespaceLabels ?? RuleInputs.DefaultNamespaceLabels;
            if (_last is { } last && last.BgpRevision == _bgpRevision && !_nodesChanged)
            {
                return _last = last with
                {
                    Revision = Revision,
                    JournalPosition = _journal.Position,
                    NamespaceLabels = namespaceLabels,
                    Endpoints = new RecordCollection<WorkloadEndpoint>(_endpoints.Items),
                    Policies = new RecordCollection<NetworkPolicy>(_policies.Items),
                    LocalEndpoints = new RecordCollection<WorkloadEndpoint>(_local),
                    Blocks = new RecordCollection<BlockInfo>(_blocks.Items),
                };
            }
            _nodesChanged = false;
            return _last = ClusterSnapshot.Of(_node, Revision, [.. _nodes.Items.Values.Select(OverlayNode)], [.. _peers.Items.Values], [.. _filters.Items.Values], [.. _configs.Items.Values],
                [.. _pools.Items.Values], new RecordCollection<WorkloadEndpoint>(_endpoints.Items), new RecordCollection<NetworkPolicy>(_policies.Items),
                [.. _affinities.Items.Values.OfType<IPNetwork>()], new RecordCollection<BlockInfo>(_blocks.Items), [.. _ownBlocks.Values]) with
            {
                LocalEndpoints = new RecordCollection<WorkloadEndpoint>(_local),
                BgpRevision = _bgpRevision,
                Changes = _journal,
                JournalPosition = _journal.Position,
                NamespaceLabels = namespaceLabels,
            };
        }
    }

    /// <summary>A node with its Kubernetes Node laid over it, on a copy: the cached one stays as stored.</summary>
    private NodeResource OverlayNode(NodeResource node)
    {
        if (_metadata is null)
            return node;
        var copy = ResourceStore.Copy(node);
        _metadata.Overlay(copy);
        return copy;
    }

    private bool Apply(WatchEvent change)
    {
        lock (_gate)
        {
            Interlocked.Exchange(ref _revision, change.Revision);
            // A key belongs to one kind at most (handles, for instance, to none the node follows).
            var ownBlock = _ownBlocks.ContainsKey(change.Key);
            var was = _metadata is null ? null : _endpoints.Items.GetValueOrDefault(change.Key);
            var kind = _kinds.FirstOrDefault(k => k.Apply(change));
            if (kind is null)
                return false;
            if (kind == _endpoints || kind == _policies)
            {
                _journal.Record(change.Key);
            }
            else if (kind == _blocks)
            {
                // Another node's pod start or stop changes its block: none of this node's business unless the block
                // is this node's or holds (or held) one of its addresses.
                _ownBlocks = _blocks.Items.TryGetValue(change.Key, out var block) && Concerns(block)
                    ? _ownBlocks.SetItem(change.Key, block)
                    : _ownBlocks.Remove(change.Key);
                if (ownBlock || _ownBlocks.ContainsKey(change.Key))
                    _bgpRevision = change.Revision;
            }
            else
            {
                _bgpRevision = change.Revision;
            }
            if (kind == _endpoints)
            {
                if (was is not null)
                    _podEndpoints.Remove(change.Key, was);
                if (_metadata is not null && _endpoints.Items.TryGetValue(change.Key, out var now))
                    _podEndpoints.Add(change.Key, now);
                _local = _endpoints.Items.TryGetValue(change.Key, out var ep) && ep.Spec.Node == _node
                    ? _local.SetItem(change.Key, ep)
                    : _local.Remove(change.Key);
            }
            return true;
        }
    }

    private bool Concerns(BlockInfo block) => block.Node == _node || block.Allocations.Any(a => a.Node == _node);

    private async Task ResyncAsync(CacheObserver observer, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await FillAsync(ct);
                observer.Resynced();
                observer.Changed();
                return;
            }
            catch (DatastoreException e)
            {
                observer.Failed(e);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }

    private static PrefixCache<T> Of<T>() where T : Resource => new(ResourceKinds.Of<T>().KeyPrefix, Decoder<T>());

    private static Func<KeyValue, T> Decoder<T>() where T : Resource
    {
        var kind = ResourceKinds.Of<T>();
        return kv => (T)ResourceStore.Decode(kind, kv);
    }
}
