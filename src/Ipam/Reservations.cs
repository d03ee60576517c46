using System.Net;
using L3Net.Model.Resources;
using L3Net.Model.Validation;

namespace L3Net.Ipam;

/// <summary>The networks every IPReservation names, as auto-assignment skips them. Only auto-assignment: a static
/// request for a reserved address is honoured (Calico's rule), and a reservation never touches addresses already
/// handed out.</summary>
internal sealed class Reservations(IReadOnlyList<IPNetwork> networks)
{
    public static Reservations None { get; } = new([]);

    public static Reservations From(IEnumerable<IPReservation> reservations)
        => new([.. reservations.SelectMany(r => r.Spec.ReservedCidrs)
            .Select(c => Addresses.TryParseAddressOrCidr(c, out var n, out _) ? n : (IPNetwork?)null)
            .OfType<IPNetwork>()]);

    /// <summary>Ordinals of <paramref name="block"/> that are reserved; empty (and no work) when nothing overlaps it.
    /// Two CIDRs either nest or are disjoint, so a reservation covers the whole block or a range inside it.</summary>
    public IReadOnlySet<int> OrdinalsIn(IPNetwork block)
    {
        var family = block.BaseAddress.AddressFamily;
        var blockSize = (int)AddressMath.Size(family, block.PrefixLength);
        HashSet<int>? reserved = null;
        foreach (var n in networks.Where(n => n.BaseAddress.AddressFamily == family))
        {
            if (AddressMath.Contains(n, block))
                return Enumerable.Range(0, blockSize).ToHashSet();
            if (!AddressMath.Contains(block, n))
                continue;
            var first = AddressMath.Ordinal(block, n.BaseAddress);
            (reserved ??= []).UnionWith(Enumerable.Range(first, (int)AddressMath.Size(family, n.PrefixLength)));
        }
        return reserved ?? EmptySet;
    }

    /// <summary>True when no address of <paramref name="block"/> could be auto-assigned: not worth claiming.</summary>
    public bool CoverAll(IPNetwork block)
        => OrdinalsIn(block).Count == (int)AddressMath.Size(block.BaseAddress.AddressFamily, block.PrefixLength);

    /// <summary>The reservation that holds all of <paramref name="block"/> on its own, if any.</summary>
    public IPNetwork? Covering(IPNetwork block)
        => networks.Where(n => AddressMath.Contains(n, block)).Select(n => (IPNetwork?)n).FirstOrDefault();

    private static readonly HashSet<int> EmptySet = [];
}
