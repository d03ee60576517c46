using System.Net;
using System.Net.Sockets;
using L3Net.Model.Resources;

namespace L3Net.Ipam;

/// <summary>An IP pool as IPAM uses it: parsed CIDR, the effective block size, and whether pods get its addresses
/// unasked (<see cref="Manual"/> pools serve only requests that name them).</summary>
internal sealed record PoolInfo(string Name, IPNetwork Cidr, int BlockSize, bool Disabled, string? NodeSelector,
    bool ForWorkloads, bool Manual)
{
    public AddressFamily Family => Cidr.BaseAddress.AddressFamily;

    public bool Holds(IPNetwork block) => AddressMath.Contains(Cidr, block);

    public bool Holds(IPAddress address) => Cidr.Contains(address);

    public static PoolInfo From(IPPool pool)
    {
        var cidr = IPNetwork.Parse(pool.Spec.Cidr);
        var fallback = cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 26 : 122;
        // A pool smaller than a default block is one block (a /30 pool gives four addresses, not none).
        var blockSize = Math.Max(pool.Spec.BlockSize ?? fallback, cidr.PrefixLength);
        return new PoolInfo(pool.Metadata.Name, cidr, blockSize, pool.Spec.Disabled, pool.Spec.NodeSelector,
            pool.Spec.AllowedUses.Count == 0 || pool.Spec.AllowedUses.Contains("Workload"),
            pool.Spec.AssignmentMode == "Manual");
    }

    /// <summary>The <paramref name="index"/>-th block of the pool.</summary>
    public IPNetwork BlockAt(UInt128 index)
        => new(AddressMath.At(Cidr, index * AddressMath.Size(Family, BlockSize)), BlockSize);

    /// <summary>How many blocks from the <paramref name="index"/>-th on lie inside <paramref name="network"/> (which
    /// holds that block), counting no further than the pool's end.</summary>
    public UInt128 BlocksFrom(UInt128 index, IPNetwork network)
    {
        if (network.PrefixLength <= Cidr.PrefixLength)
            return BlockCount - index;
        var blocksInNetwork = UInt128.One << Math.Min(BlockSize - network.PrefixLength, 127);
        return blocksInNetwork - index % blocksInNetwork;
    }

    public UInt128 BlockCount => UInt128.One << Math.Min(BlockSize - Cidr.PrefixLength, 127);
}
