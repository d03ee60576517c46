using System.Net;

namespace L3Net.Ipam;

/// <summary>
/// The one record that decides who holds an address (Calico's allocation block): <see cref="Allocations"/> maps each
/// ordinal to an index into <see cref="Attributes"/> (null = free). Every change to it is one compare-and-swap, which
/// is why an address can never be handed out twice. Freed ordinals go to the end of <see cref="Unallocated"/> so a
/// released address is the last to be reused (a stale route to it has time to disappear).
/// </summary>
internal sealed class BlockRecord
{
    public string Cidr { get; set; } = "";
    public string? Affinity { get; set; }
    public List<int?> Allocations { get; set; } = [];
    public List<int> Unallocated { get; set; } = [];
    public List<AllocationAttribute> Attributes { get; set; } = [];

    public static BlockRecord Create(IPNetwork cidr, string? affinity)
    {
        var size = (int)AddressMath.Size(cidr.BaseAddress.AddressFamily, cidr.PrefixLength);
        return new BlockRecord
        {
            Cidr = cidr.ToString(),
            Affinity = affinity,
            Allocations = [.. Enumerable.Repeat<int?>(null, size)],
            Unallocated = [.. Enumerable.Range(0, size)],
        };
    }

    public IPNetwork Network() => IPNetwork.Parse(Cidr);

    public int FreeCount() => Unallocated.Count;

    public bool IsEmpty() => Unallocated.Count == Allocations.Count;

    public IPAddress Address(int ordinal) => AddressMath.At(Network(), (UInt128)ordinal);

    public AllocationAttribute? Holder(int ordinal) => Allocations[ordinal] is int a ? Attributes[a] : null;

    public IEnumerable<(int Ordinal, AllocationAttribute Holder)> Allocated()
    {
        for (var i = 0; i < Allocations.Count; i++)
            if (Allocations[i] is int a)
                yield return (i, Attributes[a]);
    }

    /// <summary>Free ordinals auto-assignment may take: all free ones but the <paramref name="reserved"/>.</summary>
    public int AvailableCount(IReadOnlySet<int> reserved)
        => reserved.Count == 0 ? Unallocated.Count : Unallocated.Count(o => !reserved.Contains(o));

    /// <summary>Takes up to <paramref name="count"/> free ordinals, oldest-freed first, never a
    /// <paramref name="reserved"/> one.</summary>
    public List<int> Allocate(int count, AllocationAttribute holder, IReadOnlySet<int> reserved)
    {
        var taken = Unallocated.Where(o => !reserved.Contains(o)).Take(count).ToList();
        if (taken.Count == 0) return taken;
        var set = taken.ToHashSet();
        Unallocated.RemoveAll(set.Contains);
        Attributes.Add(holder);
        foreach (var ordinal in taken)
            Allocations[ordinal] = Attributes.Count - 1;
        return taken;
    }

    /// <summary>Takes one given ordinal; false when it is not free.</summary>
    public bool AllocateOrdinal(int ordinal, AllocationAttribute holder)
    {
        if (!Unallocated.Remove(ordinal)) return false;
        Attributes.Add(holder);
        Allocations[ordinal] = Attributes.Count - 1;
        return true;
    }

    /// <summary>Frees the ordinals <paramref name="which"/> selects; returns them.</summary>
    public List<int> Release(Func<int, AllocationAttribute, bool> which)
    {
        var freed = Allocated().Where(a => which(a.Ordinal, a.Holder)).Select(a => a.Ordinal).ToList();
        foreach (var ordinal in freed)
        {
            Allocations[ordinal] = null;
            Unallocated.Add(ordinal);
        }
        if (freed.Count > 0) CompactAttributes();
        return freed;
    }

    /// <summary>Drops attribute entries no allocation points at and renumbers the rest.</summary>
    private void CompactAttributes()
    {
        var used = Allocations.Where(a => a.HasValue).Select(a => a!.Value).Distinct().Order().ToList();
        var renumber = used.Select((old, i) => (old, i)).ToDictionary(p => p.old, p => p.i);
        Attributes = [.. used.Select(i => Attributes[i])];
        for (var i = 0; i < Allocations.Count; i++)
            if (Allocations[i] is int a)
                Allocations[i] = renumber[a];
    }
}
