using System.Net;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Prometheus;

namespace L3Net.Node.Status;

/// <summary>
/// IPAM as this node holds it, set from every snapshot the node reads: per block affine to the node its size and the
/// addresses in use (by any node), and per pool the addresses this node's workloads hold, in its own blocks or borrowed
/// from others'. Every address has one holder node, so summing the per-pool figure over all nodes gives the pool's
/// use without counting an address twice. A block outside every pool (its pool was deleted) has an empty pool label.
/// </summary>
public sealed class IpamMetrics
{
    private readonly Gauge _blockSize, _blockInUse, _poolInUse, _poolBorrowed;

    internal IpamMetrics(IMetricFactory f)
    {
        _blockSize = f.CreateGauge("l3net_ipam_block_addresses", "Addresses in each block affine to this node.", ["pool", "block"]);
        _blockInUse = f.CreateGauge("l3net_ipam_block_addresses_in_use", "Addresses in use in each block affine to this node (by any node).", ["pool", "block"]);
        _poolInUse = f.CreateGauge("l3net_ipam_pool_addresses_in_use", "Addresses this node's workloads hold in each pool, in its own blocks or borrowed.", ["pool"]);
        _poolBorrowed = f.CreateGauge("l3net_ipam_pool_addresses_borrowed", "Addresses this node's workloads hold in other nodes' blocks, per pool.", ["pool"]);
    }

    public void Update(string node, IReadOnlyList<IPPool> pools, IReadOnlyList<BlockInfo> blocks)
    {
        var cidrs = pools.Select(p => (p.Metadata.Name, Cidr: IPNetwork.TryParse(p.Spec.Cidr, out var n) ? n : (IPNetwork?)null))
            .Where(p => p.Cidr is not null).ToList();
        string PoolOf(IPNetwork block) => cidrs.FirstOrDefault(p => p.Cidr!.Value.Contains(block.BaseAddress)).Name ?? "";
        var affine = blocks.Where(b => b.Node == node).Select(b => (Block: b, Labels: (string[])[PoolOf(b.Cidr), b.Cidr.ToString()])).ToList();
        SeriesSet.SetExactly(_blockSize, [.. affine.Select(b => (b.Labels, (double)b.Block.Capacity))]);
        SeriesSet.SetExactly(_blockInUse, [.. affine.Select(b => (b.Labels, (double)b.Block.InUse))]);
        var held = blocks.SelectMany(b => b.Allocations.Where(a => a.Node == node).Select(_ => (Pool: PoolOf(b.Cidr), Borrowed: b.Node != node))).ToList();
        // Every pool appears, at 0 when this node holds nothing in it: "no use" is a figure, not a missing series.
        var names = cidrs.Select(p => p.Name).Concat(held.Select(h => h.Pool)).Distinct().ToList();
        SeriesSet.SetExactly(_poolInUse, [.. names.Select(n => ((string[])[n], (double)held.Count(h => h.Pool == n)))]);
        SeriesSet.SetExactly(_poolBorrowed, [.. names.Select(n => ((string[])[n], (double)held.Count(h => h.Pool == n && h.Borrowed)))]);
    }
}
