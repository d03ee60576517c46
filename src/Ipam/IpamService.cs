using System.Net;
using System.Net.Sockets;
using L3Net.Datastore;
using L3Net.Model.Resources;

namespace L3Net.Ipam;

/// <summary>
/// Calico-style IP address management over <see cref="IDatastore"/>: pools split into blocks that nodes claim,
/// addresses handed out from the node's own blocks first, borrowed from other blocks when the pool has no free block.
/// Every change is one compare-and-swap on one record (block, affinity or handle), so any number of processes on
/// any number of nodes may call this at once; no process-local lock matters for correctness.
/// </summary>
public sealed class IpamService
{
    private readonly RecordStore _records;
    private readonly ResourceStore _resources;
    private readonly ClusterView _cluster;
    private readonly BlockClaims _claims;
    private readonly Assigner _assigner;
    private readonly Releaser _releaser;

    public IpamService(IDatastore store, IpamOptions? options = null)
    {
        _records = new RecordStore(store, options ?? new IpamOptions());
        _resources = new ResourceStore(store);
        _cluster = new ClusterView(_resources);
        _claims = new BlockClaims(_records);
        var handles = new HandleCounts(_records);
        _assigner = new Assigner(_records, _claims, handles);
        _releaser = new Releaser(_records, handles);
        Check = new LeakCheck(_records, _cluster, _claims, _releaser);
    }

    internal LeakCheck Check { get; }

    /// <summary>Assigns <see cref="AutoAssignRequest.Num4"/> IPv4 and <see cref="AutoAssignRequest.Num6"/> IPv6
    /// addresses to the handle. All or nothing: when any part fails, what this call took is given back.</summary>
    public async Task<IReadOnlyList<AssignedAddress>> AutoAssignAsync(AutoAssignRequest request, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Handle);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Node);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Num4);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Num6);
        // Independent reads, sent together: on etcd or the Kubernetes API each is a round trip a pod's ADD waits for.
        var poolsRead = _cluster.PoolsAsync(ct);
        var reservationsRead = _cluster.ReservationsAsync(ct);
        var labelsRead = _cluster.NodeLabelsAsync(request.Node, ct);
        await Task.WhenAll(poolsRead, reservationsRead, labelsRead);
        var (all, labels) = (poolsRead.Result, labelsRead.Result);
        var limits = new AssignLimits(reservationsRead.Result, _cluster.IpamConfigurationAsync);
        var assigned = new List<AssignedAddress>();
        try
        {
            foreach (var (family, count) in new[] { (AddressFamily.InterNetwork, request.Num4), (AddressFamily.InterNetworkV6, request.Num6) })
            {
                if (count == 0) continue;
                var pools = ClusterView.EligiblePools(request.Node, labels, family, request.Pools, all);
                await _assigner.AssignAsync(request.Handle, request.Node, count, pools, limits, request.Attributes, assigned, ct);
            }
            return assigned;
        }
        catch
        {
            await GiveBackAsync(request.Handle, assigned);
            throw;
        }
    }

    // Best effort, so the caller sees the original error: if the store fails now too, what stays is a leak the
    // check finds (no workload endpoint will ever name this handle), never a duplicate.
    private async Task GiveBackAsync(string handle, List<AssignedAddress> assigned)
    {
        try
        {
            await ReleaseAsync(handle, assigned.Select(a => a.Address), CancellationToken.None);
        }
        catch (Exception e) when (e is DatastoreException or IpamContentionException)
        {
        }
    }

    /// <summary>Assigns one given address (a static IP). Refused when another handle holds it or no enabled pool
    /// contains it. A reserved address is given (reservations bind auto-assignment only, as in Calico); its block is
    /// claimed for the node only while the node is under maxBlocksPerHost.</summary>
    public async Task<AssignedAddress> AssignSpecificAsync(IPAddress ip, string handle, string node,
        IReadOnlyDictionary<string, string>? attributes = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(handle);
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        var pools = await _cluster.PoolsAsync(ct);
        var pool = ClusterView.PoolOf(ip, pools) ?? throw new NoSuitablePoolException($"{ip} is outside every IP pool");
        if (pool.Disabled)
            throw new NoSuitablePoolException($"{ip} is in IP pool {pool.Name}, which is disabled");
        var mayClaim = ClusterView.Selects(pool, await _cluster.NodeLabelsAsync(node, ct))
                       && await UnderBlockLimitAsync(node, pool, ct);
        return await _assigner.AssignSpecificAsync(ip, handle, node, pool, mayClaim,
            attributes ?? new Dictionary<string, string>(), ct);
    }

    private async Task<bool> UnderBlockLimitAsync(string node, PoolInfo pool, CancellationToken ct)
    {
        var limit = (await _cluster.IpamConfigurationAsync(ct)).MaxBlocksPerHost;
        return limit == 0
               || Assigner.OwnedBlocks(await _records.ListAsync<AffinityRecord>(IpamKeys.NodeAffinities(node), ct), pool.Family) < limit;
    }

    /// <summary>Frees every address of the handle; returns how many. Releasing a handle that holds nothing returns 0.</summary>
    public Task<int> ReleaseByHandleAsync(string handle, CancellationToken ct = default)
        => _releaser.ReleaseHandleAsync(handle, ct);

    /// <summary>Frees those of <paramref name="addresses"/> that <paramref name="handle"/> holds, and nothing else of
    /// the handle: the undo of one assignment, which must leave what an earlier one of the same handle assigned.</summary>
    public async Task ReleaseAsync(string handle, IEnumerable<IPAddress> addresses, CancellationToken ct = default)
    {
        foreach (var address in addresses)
            await _releaser.ReleaseAddressAsync(address, h => h.Handle == handle, ct);
    }

    /// <summary>The addresses <paramref name="handle"/> holds (Calico's IPsByHandle): a read of the handle record and
    /// of each block it names; empty when it holds none.</summary>
    public async Task<IReadOnlyList<AllocationInfo>> AddressesOfHandleAsync(string handle, CancellationToken ct = default)
    {
        if (await _records.GetAsync<HandleRecord>(IpamKeys.Handle(handle), ct) is not { } record)
            return [];
        var held = new List<AllocationInfo>();
        foreach (var cidr in record.Value.Blocks.Keys)
        {
            if (await _records.GetAsync<BlockRecord>(IpamKeys.Block(IPNetwork.Parse(cidr)), ct) is { Value: var block })
                held.AddRange(block.Allocated().Where(a => a.Holder.Handle == handle).Select(a => IpamRecords.Allocation(block, a.Ordinal, a.Holder)));
        }
        return held;
    }

    /// <summary>Frees one address; false when it was not assigned.</summary>
    public Task<bool> ReleaseAddressAsync(IPAddress address, CancellationToken ct = default)
        => _releaser.ReleaseAddressAsync(address, _ => true, ct);

    /// <summary>The blocks the node owns (confirmed affinities): what it advertises and blackholes.</summary>
    public async Task<IReadOnlyList<IPNetwork>> AffineBlocksAsync(string node, CancellationToken ct = default)
    {
        var affinities = await _records.ListAsync<AffinityRecord>(IpamKeys.NodeAffinities(node), ct);
        return [.. affinities.Select(a => IpamRecords.Confirmed(a.Value)).OfType<IPNetwork>()];
    }

    /// <summary>Addresses the node assigned from blocks it does not own: it advertises each as a host route.</summary>
    public async Task<IReadOnlyList<IPAddress>> BorrowedAddressesAsync(string node, CancellationToken ct = default)
        => IpamRecords.Borrowed(await ListBlocksAsync(ct), node);

    public async Task<IReadOnlyList<BlockInfo>> ListBlocksAsync(CancellationToken ct = default)
    {
        var blocks = await _records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct);
        return [.. blocks.Select(b => IpamRecords.Info(b.Value))];
    }

    /// <summary>Gives back the node's empty blocks (affinity removed, block deleted); returns them.</summary>
    public async Task<IReadOnlyList<IPNetwork>> ReleaseEmptyBlocksAsync(string node, CancellationToken ct = default)
    {
        var released = new List<IPNetwork>();
        foreach (var cidr in await AffineBlocksAsync(node, ct))
        {
            var block = await _records.GetAsync<BlockRecord>(IpamKeys.Block(cidr), ct);
            if (block?.Value.IsEmpty() == true && await _claims.ReleaseAsync(node, cidr, onlyIfEmpty: true, ct))
                released.Add(cidr);
        }
        return released;
    }

    /// <summary>For a deleted node: frees every address it assigned and gives back all its blocks (blocks other nodes
    /// still borrow from stay, without affinity).</summary>
    public async Task<NodeReleaseResult> ReleaseNodeAsync(string node, CancellationToken ct = default)
    {
        var addresses = 0;
        foreach (var block in await _records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct))
        {
            var cidr = block.Value.Network();
            var freed = await _releaser.ReleaseWhereAsync(cidr, (_, a) => a.Node == node, ct);
            await _releaser.LowerHandlesAsync(cidr, freed, ct);
            addresses += freed.Count;
        }
        var blocks = 0;
        foreach (var affinity in await _records.ListAsync<AffinityRecord>(IpamKeys.NodeAffinities(node), ct))
            if (await _claims.ReleaseAsync(node, IPNetwork.Parse(affinity.Value.Cidr), onlyIfEmpty: false, ct))
                blocks++;
        return new NodeReleaseResult(addresses, blocks);
    }

    /// <summary>Deletes an IP pool only when none of its addresses is assigned (else <see cref="PoolInUseException"/>
    /// with the count). The pool is disabled first so no assign can slip in between the count and the deletion.</summary>
    public async Task DeletePoolAsync(string name, CancellationToken ct = default)
    {
        var pool = await _resources.GetAsync<IPPool>(name, ct: ct) ?? throw new NotFoundException($"IPPool {name}");
        var info = PoolInfo.From(pool);
        await ThrowIfInUseAsync(info, ct);
        var wasDisabled = pool.Spec.Disabled;
        pool.Spec.Disabled = true;
        pool = await _resources.UpdateAsync(pool, ct);
        try
        {
            await ThrowIfInUseAsync(info, ct);
        }
        catch (PoolInUseException)
        {
            pool.Spec.Disabled = wasDisabled;
            await _resources.UpdateAsync(pool, ct);
            throw;
        }
        foreach (var affinity in await _records.ListAsync<AffinityRecord>(IpamKeys.AffinityPrefix, ct))
            if (info.Holds(IPNetwork.Parse(affinity.Value.Cidr)))
                await _claims.ReleaseAsync(affinity.Value.Node, IPNetwork.Parse(affinity.Value.Cidr), onlyIfEmpty: false, ct);
        foreach (var block in await _records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct))
            if (info.Holds(block.Value.Network()))
                await _records.MutateAsync<BlockRecord, bool>(block.Key,
                    b => b?.IsEmpty() == true ? (Edit.Remove, null, true) : (Edit.None, null, false), ct);
        await _resources.DeleteAsync<IPPool>(name, ct: ct);
    }

    private async Task ThrowIfInUseAsync(PoolInfo pool, CancellationToken ct)
    {
        var blocks = await _records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct);
        var inUse = blocks.Where(b => pool.Holds(b.Value.Network())).Sum(b => b.Value.Allocations.Count - b.Value.FreeCount());
        if (inUse > 0)
            throw new PoolInUseException(pool.Name, inUse);
    }

    /// <summary>Finds leaked addresses (no workload endpoint for their handle, older than <paramref name="grace"/>),
    /// addresses held twice, unfinished or orphaned affinities and handle records that disagree with the blocks.</summary>
    public Task<IpamCheckReport> CheckAsync(TimeSpan grace, CancellationToken ct = default) => Check.RunAsync(grace, ct);

    /// <summary>Repairs what <paramref name="report"/> found, re-checking each item under compare-and-swap so nothing
    /// that changed since the check is touched. Duplicates are reported, never "fixed" by guessing an owner.</summary>
    public Task<IpamFixResult> FixAsync(IpamCheckReport report, CancellationToken ct = default) => Check.FixAsync(report, ct);
}
