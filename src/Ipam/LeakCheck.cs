using System.Net;

namespace L3Net.Ipam;

/// <summary>
/// The check and GC. Each reads everything once; GC then re-validates every item inside its own compare-and-swap,
/// so an item that changed since the check (the ADD finished, the claim completed) is left alone.
/// </summary>
internal sealed class LeakCheck(RecordStore records, ClusterView cluster, BlockClaims claims, Releaser releaser)
{
    public async Task<IpamCheckReport> RunAsync(TimeSpan grace, CancellationToken ct)
    {
        var now = records.Options.Time.GetUtcNow();
        // Affinities before blocks: a claim writes its affinity first, so one seen here has its block listed below.
        var affinities = await records.ListAsync<AffinityRecord>(IpamKeys.AffinityPrefix, ct);
        var handles = await records.ListAsync<HandleRecord>(IpamKeys.HandlePrefix, ct);
        var blocks = (await records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct)).Select(b => b.Value).ToList();
        var live = await cluster.LiveHandlesAsync(ct);
        var held = blocks.SelectMany(b => b.Allocated().Select(a => (Block: b, a.Ordinal, a.Holder, Address: b.Address(a.Ordinal)))).ToList();

        var leaked = held.Where(h => !live.Contains(h.Holder.Handle) && now - h.Holder.Assigned >= grace)
            .Select(h => new LeakedAddress(h.Address, h.Holder.Handle, h.Holder.Node, h.Holder.Assigned)).ToList();
        var duplicates = held.GroupBy(h => h.Address).Where(g => g.Count() > 1)
            .Select(g => new DuplicateAddress(g.Key, [.. g.Select(h => h.Holder.Handle)])).ToList();
        var byCidr = blocks.ToDictionary(b => b.Cidr);
        var affinityProblems = affinities.Select(a => a.Value)
            .Select(a => Problem(a, byCidr.GetValueOrDefault(a.Cidr), now - a.Since >= grace))
            .OfType<AffinityProblem>().ToList();
        var counts = ActualCounts(blocks);
        var handleProblems = handles.Select(h => h.Value).SelectMany(h => HandleProblems(h, counts, now - h.Updated >= grace))
            .Concat(counts.Keys.Except(handles.Select(h => h.Value.Handle))
                .Select(h => new HandleProblem(h, true, "holds addresses but has no handle record")))
            .ToList();
        var emptyUnowned = blocks.Where(b => b.Affinity is null && b.IsEmpty()).Select(b => b.Network()).ToList();
        return new IpamCheckReport(now, grace, blocks.Count, held.Count, leaked, duplicates, affinityProblems,
            handleProblems, emptyUnowned);
    }

    public async Task<IpamFixResult> FixAsync(IpamCheckReport report, CancellationToken ct)
    {
        var live = await cluster.LiveHandlesAsync(ct);
        var freed = 0;
        foreach (var leak in report.Leaked.Where(l => !live.Contains(l.Handle)))
            // Same handle, same assignment time: the very allocation the check saw, not a later reuse of the address.
            freed += await releaser.ReleaseAddressAsync(leak.Address,
                a => a.Handle == leak.Handle && a.Assigned == leak.Assigned, ct) ? 1 : 0;
        var affinities = 0;
        foreach (var problem in report.Affinities)
            affinities += await FixAffinityAsync(problem, ct) ? 1 : 0;
        var handles = 0;
        if (report.Handles.Count > 0)
        {
            var counts = ActualCounts([.. (await records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct)).Select(b => b.Value)]);
            foreach (var handle in report.Handles.Select(h => h.Handle).Distinct())
                handles += await RecountAsync(handle, counts.GetValueOrDefault(handle) ?? [], report.CheckedAt - report.Grace, ct) ? 1 : 0;
        }
        var deleted = 0;
        foreach (var cidr in report.EmptyUnownedBlocks)
            deleted += await records.MutateAsync<BlockRecord, int>(IpamKeys.Block(cidr),
                b => b is { Affinity: null } && b.IsEmpty() ? (Edit.Remove, null, 1) : (Edit.None, null, 0), ct);
        return new IpamFixResult(freed, affinities, handles, deleted);
    }

    private static AffinityProblem? Problem(AffinityRecord a, BlockRecord? block, bool old)
    {
        var cidr = IPNetwork.Parse(a.Cidr);
        var reason = block is null ? "its block does not exist"
            : block.Affinity != a.Node ? $"its block belongs to {block.Affinity ?? "no node"}"
            : a.State == AffinityState.Pending ? "claim never confirmed"
            : a.State == AffinityState.PendingDeletion ? "release never finished"
            : null;
        // A confirmed affinity is wrong at once; pending states are normal while a claim or release runs.
        return reason is null || (a.State != AffinityState.Confirmed && !old) ? null : new AffinityProblem(a.Node, cidr, a.State, reason);
    }

    private static IEnumerable<HandleProblem> HandleProblems(HandleRecord h, Dictionary<string, Dictionary<string, int>> counts, bool old)
    {
        var actual = counts.GetValueOrDefault(h.Handle) ?? [];
        foreach (var block in h.Blocks.Keys.Union(actual.Keys))
        {
            var recorded = h.Blocks.GetValueOrDefault(block);
            var real = actual.GetValueOrDefault(block);
            if (real > recorded)
                yield return new HandleProblem(h.Handle, true, $"block {block}: record says {recorded}, block holds {real}");
            else if (real < recorded && old)
                yield return new HandleProblem(h.Handle, false, $"block {block}: record says {recorded}, block holds {real}");
        }
    }

    /// <summary>handle → block → addresses held, as the blocks say.</summary>
    private static Dictionary<string, Dictionary<string, int>> ActualCounts(List<BlockRecord> blocks)
    {
        var counts = new Dictionary<string, Dictionary<string, int>>();
        foreach (var b in blocks)
            foreach (var (_, holder) in b.Allocated())
            {
                var perBlock = counts.TryGetValue(holder.Handle, out var d) ? d : counts[holder.Handle] = [];
                perBlock[b.Cidr] = perBlock.GetValueOrDefault(b.Cidr) + 1;
            }
        return counts;
    }

    private async Task<bool> FixAffinityAsync(AffinityProblem p, CancellationToken ct)
    {
        var block = await records.GetAsync<BlockRecord>(IpamKeys.Block(p.Block), ct);
        var key = IpamKeys.Affinity(p.Node, p.Block);
        if (block is null || block.Value.Affinity != p.Node)
            return await records.MutateAsync<AffinityRecord, bool>(key,
                a => a is not null && a.State == p.State ? (Edit.Remove, null, true) : (Edit.None, null, false), ct);
        return p.State switch
        {
            AffinityState.Pending => await claims.CompleteClaimAsync(p.Node, p.Block, ct),
            AffinityState.PendingDeletion => await claims.ReleaseAsync(p.Node, p.Block, onlyIfEmpty: false, ct),
            _ => false,
        };
    }

    /// <summary>Sets the handle's counts to what the blocks hold. Raising is always safe; lowering only when the record
    /// has not changed since before the grace period (else an assign may be between its handle and block writes).</summary>
    private Task<bool> RecountAsync(string handle, Dictionary<string, int> actual, DateTimeOffset quietSince, CancellationToken ct)
        => records.MutateAsync<HandleRecord, bool>(IpamKeys.Handle(handle), h =>
        {
            var lower = h is null || h.Updated <= quietSince;
            h ??= new HandleRecord { Handle = handle };
            var blocks = h.Blocks.Keys.Union(actual.Keys).ToList();
            var changed = false;
            foreach (var block in blocks)
            {
                var real = actual.GetValueOrDefault(block);
                var recorded = h.Blocks.GetValueOrDefault(block);
                if (real == recorded || (real < recorded && !lower)) continue;
                changed = true;
                if (real > 0) h.Blocks[block] = real;
                else h.Blocks.Remove(block);
            }
            if (!changed) return (Edit.None, null, false);
            return h.Blocks.Count == 0 ? (Edit.Remove, null, true) : (Edit.Write, h, true);
        }, ct);
}
