using System.Net;
using System.Net.Sockets;
using L3Net.Model.Resources;

namespace L3Net.Ipam;

/// <summary>
/// Hands out addresses of one family, Calico's order: the node's own blocks, then a newly claimed block (unless the
/// node is at maxBlocksPerHost), then (unless strict affinity) a free address borrowed from any other block of an
/// eligible pool. Reserved addresses are skipped at every step. The handle's count for a block
/// is raised before the block is written and lowered if that write does not happen, so release by handle always
/// finds every address (a crash leaves an over-count, never an address the handle does not know about).
/// </summary>
internal sealed class Assigner(RecordStore records, BlockClaims claims, HandleCounts handles)
{
    /// <summary>Appends <paramref name="count"/> addresses to <paramref name="assigned"/> as they are taken, so a caller
    /// that fails half-way knows what to give back. Reserved addresses are never taken; the IPAM configuration is
    /// read only once the node's own blocks are full.</summary>
    public async Task AssignAsync(string handle, string node, int count, IReadOnlyList<PoolInfo> pools, AssignLimits limits,
        IReadOnlyDictionary<string, string> attrs, List<AssignedAddress> assigned, CancellationToken ct)
    {
        var goal = assigned.Count + count;
        var contention = new Contention(records.Options, $"assigning addresses to {handle}");
        while (assigned.Count < goal)
        {
            var holder = Holder(handle, node, attrs);
            var need = goal - assigned.Count;
            var affinities = await records.ListAsync<AffinityRecord>(IpamKeys.NodeAffinities(node), ct);
            var got = await FromAffineBlocksAsync(node, need, pools, affinities, holder, limits.Reserved, ct);
            if (got.Count == 0)
            {
                var config = await limits.ConfigAsync(ct);
                var owned = OwnedBlocks(affinities, pools[0].Family);
                var atLimit = config.MaxBlocksPerHost > 0 && owned >= config.MaxBlocksPerHost;
                var blocks = await records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct);
                var existing = blocks.Select(b => b.Value.Cidr).ToHashSet();
                if (!atLimit && await claims.ClaimNewAsync(node, pools, existing, limits.Reserved, contention, ct))
                    continue;
                if (!config.StrictAffinity)
                    got = await BorrowAsync(node, need, pools, blocks, holder, limits.Reserved, ct);
                if (got.Count == 0)
                    throw new PoolExhaustedException([.. pools.Select(p => $"{p.Name} ({p.Cidr})")],
                        WhyNoBorrowOrClaim(node, config, owned, atLimit));
            }
            assigned.AddRange(got);
        }
    }

    /// <summary>Blocks of one family the node holds or is claiming (a block being given back no longer counts).</summary>
    public static int OwnedBlocks(IEnumerable<Versioned<AffinityRecord>> affinities, AddressFamily family)
        => affinities.Count(a => a.Value.State != AffinityState.PendingDeletion
                                 && IPNetwork.Parse(a.Value.Cidr).BaseAddress.AddressFamily == family);

    /// <summary>What the configuration added to a plain "pool exhausted", so the user knows which knob bit.</summary>
    private static string? WhyNoBorrowOrClaim(string node, IPAMConfigurationSpec config, int owned, bool atLimit)
    {
        var limit = $"node {node} owns {owned} block(s), the maxBlocksPerHost limit of the IPAMConfiguration";
        return (config.StrictAffinity, atLimit) switch
        {
            (true, true) => $"{limit}, and strict affinity forbids borrowing from other blocks",
            (true, false) => $"strict affinity: node {node} may not borrow from blocks it does not own, and no block is left to claim",
            (false, true) => $"{limit}, and no other block has a free address to borrow",
            _ => null,
        };
    }

    /// <summary>A static address: in a block the node claims if it may, otherwise in an unaffine block (borrowed).
    /// The same handle asking again for its own address is a retried ADD and succeeds.</summary>
    public async Task<AssignedAddress> AssignSpecificAsync(IPAddress ip, string handle, string node, PoolInfo pool,
        bool nodeMayClaim, IReadOnlyDictionary<string, string> attrs, CancellationToken ct)
    {
        var cidr = AddressMath.Enclosing(ip, pool.BlockSize);
        var ordinal = AddressMath.Ordinal(cidr, ip);
        var contention = new Contention(records.Options, $"assigning {ip} to {handle}");
        while (true)
        {
            if (await records.GetAsync<BlockRecord>(IpamKeys.Block(cidr), ct) is null
                && !(nodeMayClaim && await claims.ClaimAsync(node, cidr, ct)))
                await records.TryCreateAsync(IpamKeys.Block(cidr), BlockRecord.Create(cidr, null), ct);
            var holder = Holder(handle, node, attrs);
            await handles.AdjustAsync(handle, cidr, +1, ct);
            var owner = await WriteBlockAsync(handle, cidr, 1, b =>
            {
                if (b.Holder(ordinal) is { } current) return (null, current.Handle);
                b.AllocateOrdinal(ordinal, holder);
                return (b, handle);
            }, ct);
            if (owner == handle)
                return new AssignedAddress(ip, pool.Name, cidr);
            if (owner is not null)
                throw new AddressInUseException(ip, owner);
            await contention.LostAsync(ct); // the block was released between our read and write
        }
    }

    private async Task<List<AssignedAddress>> FromAffineBlocksAsync(string node, int need, IReadOnlyList<PoolInfo> pools,
        List<Versioned<AffinityRecord>> affinities, AllocationAttribute holder, Reservations reserved, CancellationToken ct)
    {
        foreach (var affinity in affinities.Select(a => a.Value).OrderBy(a => a.Cidr, StringComparer.Ordinal))
        {
            var cidr = IPNetwork.Parse(affinity.Cidr);
            var pool = pools.FirstOrDefault(p => p.Holds(cidr));
            if (pool is null || affinity.State == AffinityState.PendingDeletion)
                continue;
            if (affinity.State == AffinityState.Pending && !await claims.CompleteClaimAsync(node, cidr, ct))
                continue;
            var got = await AllocateAsync(cidr, pool, need, holder, node, reserved, ct);
            if (got.Count > 0)
                return got;
        }
        return [];
    }

    private async Task<List<AssignedAddress>> BorrowAsync(string node, int need, IReadOnlyList<PoolInfo> pools,
        List<Versioned<BlockRecord>> blocks, AllocationAttribute holder, Reservations reserved, CancellationToken ct)
    {
        foreach (var block in blocks.Where(b => b.Value.Affinity != node
                                                && b.Value.AvailableCount(reserved.OrdinalsIn(b.Value.Network())) > 0))
        {
            var cidr = block.Value.Network();
            if (pools.FirstOrDefault(p => p.Holds(cidr)) is not { } pool)
                continue;
            var got = await AllocateAsync(cidr, pool, need, holder, requiredAffinity: null, reserved, ct);
            if (got.Count > 0)
                return got;
        }
        return [];
    }

    /// <summary>Takes up to <paramref name="need"/> free, unreserved addresses of one block (only while it is still
    /// affine to <paramref name="requiredAffinity"/>, when given).</summary>
    private async Task<List<AssignedAddress>> AllocateAsync(IPNetwork cidr, PoolInfo pool, int need,
        AllocationAttribute holder, string? requiredAffinity, Reservations reservations, CancellationToken ct)
    {
        var reserved = reservations.OrdinalsIn(cidr);
        var peek = await records.GetAsync<BlockRecord>(IpamKeys.Block(cidr), ct);
        if (peek is null || !Usable(peek.Value))
            return [];
        var want = Math.Min(need, peek.Value.AvailableCount(reserved));
        await handles.AdjustAsync(holder.Handle, cidr, +want, ct);
        var taken = await WriteBlockAsync(holder.Handle, cidr, want, b =>
        {
            if (!Usable(b)) return (null, new List<IPAddress>());
            var ordinals = b.Allocate(want, holder, reserved);
            return (b, ordinals.Select(b.Address).ToList());
        }, ct, peek) ?? [];
        return [.. taken.Select(a => new AssignedAddress(a, pool.Name, cidr))];

        bool Usable(BlockRecord b) => b.AvailableCount(reserved) > 0 && (requiredAffinity is null || b.Affinity == requiredAffinity);
    }

    /// <summary>
    /// One CAS on the block after the handle was raised by <paramref name="raised"/>; whatever part of that was not
    /// used (block full, gone, lost to another writer, or the call failed) is given back to the handle.
    /// <paramref name="change"/> returns the block to write (null: write nothing) and the result; <paramref name="justRead"/>
    /// is the block as the caller last read it, if it did (<see cref="RecordStore.MutateAsync{T,TResult}"/>).
    /// </summary>
    private async Task<TResult?> WriteBlockAsync<TResult>(string handle, IPNetwork cidr, int raised,
        Func<BlockRecord, (BlockRecord? Write, TResult Result)> change, CancellationToken ct, Versioned<BlockRecord>? justRead = null) where TResult : class
    {
        var used = 0;
        try
        {
            var attempt = 0;
            var result = await records.MutateAsync<BlockRecord, TResult?>(IpamKeys.Block(cidr), b =>
            {
                attempt = 0;
                if (b is null) return (Edit.None, null, null);
                var before = b.FreeCount();
                var (write, r) = change(b);
                attempt = before - b.FreeCount();
                return write is null ? (Edit.None, null, r) : (Edit.Write, write, r);
            }, ct, justRead);
            used = attempt; // only the decision that was written counts
            return result;
        }
        finally
        {
            if (used < raised)
                await handles.GiveBackAsync(handle, cidr, raised - used);
        }
    }


    private AllocationAttribute Holder(string handle, string node, IReadOnlyDictionary<string, string> attrs) => new()
    {
        Handle = handle,
        Node = node,
        Assigned = records.Options.Time.GetUtcNow(),
        Attrs = attrs.Count == 0 ? null : new Dictionary<string, string>(attrs),
    };
}
