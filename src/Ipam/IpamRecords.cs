using System.Net;
using L3Net.Datastore;

namespace L3Net.Ipam;

/// <summary>
/// IPAM records as a watcher receives them (raw values under <see cref="IpamKeys.BlockPrefix"/> and
/// <see cref="IpamKeys.AffinityPrefix"/>), decoded into what the node needs: a cache fed by watch events reads blocks
/// and affinities without asking <see cref="IpamService"/>, which would list them all again.
/// </summary>
public static class IpamRecords
{
    public static BlockInfo Block(KeyValue kv) => Info(RecordStore.Deserialize<BlockRecord>(kv));

    /// <summary>The block the affinity gives its node, once confirmed (what the node advertises); null while pending.</summary>
    public static IPNetwork? ConfirmedAffinity(KeyValue kv) => Confirmed(RecordStore.Deserialize<AffinityRecord>(kv));

    /// <summary>Addresses <paramref name="node"/> assigned from blocks it does not own: it advertises each as a host route.</summary>
    public static IReadOnlyList<IPAddress> Borrowed(IEnumerable<BlockInfo> blocks, string node)
        => [.. blocks.Where(b => b.Node != node).SelectMany(b => b.Allocations.Where(a => a.Node == node).Select(a => a.Address))];

    internal static IPNetwork? Confirmed(AffinityRecord affinity)
        => affinity.State == AffinityState.Confirmed ? IPNetwork.Parse(affinity.Cidr) : null;

    internal static BlockInfo Info(BlockRecord block)
        => new(block.Network(), block.Affinity, block.Allocations.Count,
            [.. block.Allocated().Select(a => Allocation(block, a.Ordinal, a.Holder))]);

    internal static AllocationInfo Allocation(BlockRecord block, int ordinal, AllocationAttribute holder)
        => new(block.Address(ordinal), holder.Handle, holder.Node, holder.Assigned, holder.Attrs ?? []);
}
