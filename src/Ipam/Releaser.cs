using System.Net;

namespace L3Net.Ipam;

/// <summary>Freeing addresses. The block is written first and the handle lowered after, so a crash in between leaves
/// a handle over-count (harmless; a retried release or GC clears it), never an allocation the handle forgot.</summary>
internal sealed class Releaser(RecordStore records, HandleCounts handles)
{
    /// <summary>Frees every address of <paramref name="handle"/>; 0 when it holds none (CNI DEL is idempotent).</summary>
    public async Task<int> ReleaseHandleAsync(string handle, CancellationToken ct)
    {
        if (await records.GetAsync<HandleRecord>(IpamKeys.Handle(handle), ct) is not { } record)
            return 0;
        var freed = 0;
        foreach (var block in record.Value.Blocks.Keys)
            freed += (await ReleaseWhereAsync(IPNetwork.Parse(block), (_, a) => a.Handle == handle, ct)).Count;
        await handles.SubtractAsync(handle, record.Value.Blocks, ct);
        return freed;
    }

    /// <summary>Frees one address if it is held by an allocation <paramref name="accept"/> agrees to.</summary>
    public async Task<bool> ReleaseAddressAsync(IPAddress ip, Func<AllocationAttribute, bool> accept, CancellationToken ct)
    {
        var blocks = await records.ListAsync<BlockRecord>(IpamKeys.BlockPrefix, ct);
        var cidr = blocks.Select(b => (IPNetwork?)b.Value.Network()).FirstOrDefault(n => n!.Value.Contains(ip));
        if (cidr is null)
            return false;
        var ordinal = AddressMath.Ordinal(cidr.Value, ip);
        var freed = await ReleaseWhereAsync(cidr.Value, (o, a) => o == ordinal && accept(a), ct);
        await LowerHandlesAsync(cidr.Value, freed, ct);
        return freed.Count > 0;
    }

    /// <summary>Frees, in one block write, every allocation <paramref name="which"/> selects; returns the holders'
    /// handles, one per address freed. The caller lowers the handle counts.</summary>
    public Task<List<string>> ReleaseWhereAsync(IPNetwork cidr, Func<int, AllocationAttribute, bool> which,
        CancellationToken ct)
        => records.MutateAsync<BlockRecord, List<string>>(IpamKeys.Block(cidr), b =>
        {
            if (b is null) return (Edit.None, null, []);
            var holders = b.Allocated().Where(a => which(a.Ordinal, a.Holder)).Select(a => a.Holder.Handle).ToList();
            if (holders.Count == 0) return (Edit.None, null, holders);
            b.Release(which);
            return (Edit.Write, b, holders);
        }, ct);

    public async Task LowerHandlesAsync(IPNetwork cidr, List<string> freedHandles, CancellationToken ct)
    {
        foreach (var group in freedHandles.GroupBy(h => h))
            await handles.AdjustAsync(group.Key, cidr, -group.Count(), ct);
    }
}
