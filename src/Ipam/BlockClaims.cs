using System.Net;

namespace L3Net.Ipam;

/// <summary>
/// Claiming and releasing block affinities. The write order is what makes a kill -9 harmless:
/// claim = affinity <c>Pending</c> → block created naming the node → affinity <c>Confirmed</c>;
/// release = affinity <c>PendingDeletion</c> → block deleted (only if empty) or its affinity cleared → affinity
/// deleted. A crash between any two writes leaves a non-confirmed affinity, which is never advertised, is completed
/// by the node's next claim and is reported by the check (and removed by GC) otherwise.
/// </summary>
internal sealed class BlockClaims(RecordStore records)
{
    /// <summary>Claims a block nobody has yet, from the first pool that has one. False when every pool is full of blocks.
    /// A lost race with another node counts as contention and the caller retries.</summary>
    public async Task<bool> ClaimNewAsync(string node, IReadOnlyList<PoolInfo> pools,
        IReadOnlySet<string> existingBlocks, Reservations reserved, Contention contention, CancellationToken ct)
    {
        foreach (var pool in pools)
        {
            if (FreeBlock(pool, existingBlocks, node, reserved) is not { } cidr)
                continue;
            if (await ClaimAsync(node, cidr, ct))
                return true;
            await contention.LostAsync(ct);
            return true;
        }
        return false;
    }

    /// <summary>Claims <paramref name="cidr"/> for <paramref name="node"/>; false when another node's block is there.</summary>
    public async Task<bool> ClaimAsync(string node, IPNetwork cidr, CancellationToken ct)
    {
        var now = records.Options.Time.GetUtcNow();
        await records.TryCreateAsync(IpamKeys.Affinity(node, cidr),
            new AffinityRecord { Node = node, Cidr = cidr.ToString(), State = AffinityState.Pending, Since = now }, ct);
        return await CompleteClaimAsync(node, cidr, ct);
    }

    /// <summary>Finishes a pending claim (ours, or one a crashed process left): creates the block if it is missing and
    /// confirms the affinity if the block names this node; removes the affinity if another node owns the block.</summary>
    public async Task<bool> CompleteClaimAsync(string node, IPNetwork cidr, CancellationToken ct)
    {
        await records.TryCreateAsync(IpamKeys.Block(cidr), BlockRecord.Create(cidr, node), ct);
        var block = await records.GetAsync<BlockRecord>(IpamKeys.Block(cidr), ct);
        if (block?.Value.Affinity != node)
        {
            await records.MutateAsync<AffinityRecord, bool>(IpamKeys.Affinity(node, cidr),
                a => a?.State == AffinityState.Pending ? (Edit.Remove, null, false) : (Edit.None, null, false), ct);
            return false;
        }
        return await records.MutateAsync<AffinityRecord, bool>(IpamKeys.Affinity(node, cidr), a => a switch
        {
            null => (Edit.Write, new AffinityRecord
            {
                Node = node, Cidr = cidr.ToString(), State = AffinityState.Confirmed, Since = records.Options.Time.GetUtcNow(),
            }, true),
            { State: AffinityState.Pending } => (Edit.Write, Confirmed(a), true),
            { State: AffinityState.Confirmed } => (Edit.None, null, true),
            _ => (Edit.None, null, false), // being released: not ours to use any more
        }, ct);
    }

    /// <summary>
    /// Gives a block back: deleted when empty; when addresses remain and <paramref name="onlyIfEmpty"/> is false its
    /// affinity is cleared (the block stays, its holders keep their addresses and advertise them as borrowed).
    /// Returns true when the node no longer holds the block.
    /// </summary>
    public async Task<bool> ReleaseAsync(string node, IPNetwork cidr, bool onlyIfEmpty, CancellationToken ct)
    {
        var affinityKey = IpamKeys.Affinity(node, cidr);
        var marked = await records.MutateAsync<AffinityRecord, bool>(affinityKey, a => a is null
            ? (Edit.None, null, false)
            : (Edit.Write, WithState(a, AffinityState.PendingDeletion), true), ct);
        if (!marked)
            return true;
        var kept = await records.MutateAsync<BlockRecord, bool>(IpamKeys.Block(cidr), b =>
        {
            if (b is null || b.Affinity != node) return (Edit.None, null, false);
            if (b.IsEmpty()) return (Edit.Remove, null, false);
            if (onlyIfEmpty) return (Edit.None, null, true);
            b.Affinity = null;
            return (Edit.Write, b, false);
        }, ct);
        await records.MutateAsync<AffinityRecord, bool>(affinityKey, a => a switch
        {
            null => (Edit.None, null, false),
            _ when kept => (Edit.Write, WithState(a, AffinityState.Confirmed), false),
            _ => (Edit.Remove, null, false),
        }, ct);
        return !kept;
    }

    /// <summary>The first block of <paramref name="pool"/> nobody holds and not wholly reserved, searching from a start
    /// derived from the node name: nodes spread over the pool instead of racing for the same block, and processes of
    /// one node agree on the same block, so concurrent claims of one node converge instead of wasting blocks.</summary>
    internal static IPNetwork? FreeBlock(PoolInfo pool, IReadOnlySet<string> existing, string node, Reservations reserved)
    {
        var count = pool.BlockCount;
        var start = StableHash(node) % count;
        var inPool = (UInt128)existing.Count(c => pool.Holds(IPNetwork.Parse(c)));
        var skipped = UInt128.Zero;
        for (UInt128 i = 0; i < count && i <= inPool + skipped; i++)
        {
            var index = (start + i) % count;
            var candidate = pool.BlockAt(index);
            if (existing.Contains(candidate.ToString()))
                continue;
            if (!reserved.CoverAll(candidate))
                return candidate;
            // A large reservation covers a run of blocks: step over the whole run at once.
            var run = reserved.Covering(candidate) is { } big ? pool.BlocksFrom(index, big) : 1;
            skipped += run;
            i += run - 1;
        }
        return null;
    }

    private static UInt128 StableHash(string s)
    {
        ulong h = 14695981039346656037;
        foreach (var c in s)
            h = (h ^ c) * 1099511628211;
        return h;
    }

    private static AffinityRecord Confirmed(AffinityRecord a) => WithState(a, AffinityState.Confirmed);

    private static AffinityRecord WithState(AffinityRecord a, AffinityState state)
    {
        a.State = state;
        return a;
    }
}
