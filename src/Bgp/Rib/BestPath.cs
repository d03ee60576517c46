using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>A candidate route for one prefix.</summary>
internal readonly record struct Candidate(RibSource Source, PathAttributes Attributes);

/// <summary>
/// The decision process of RFC 4271 9.1.2.2 (plus the RFC 4456 tie-breakers), as a comparison where a negative
/// result means <c>a</c> is better. The steps stop where multipath (ECMP) equality is decided: everything before the
/// router-ID tie-breakers.
/// </summary>
internal static class BestPath
{
    public const uint DefaultLocalPref = 100;

    public static int Compare(Candidate a, Candidate b)
    {
        var c = CompareForMultipath(a, b);
        if (c != 0)
            return c;
        // Lowest BGP identifier, the ORIGINATOR_ID standing in for it on reflected routes (RFC 4456 9).
        c = (a.Attributes.OriginatorId ?? a.Source.RouterId).CompareTo(b.Attributes.OriginatorId ?? b.Source.RouterId);
        if (c != 0)
            return c;
        c = a.Attributes.ClusterList.Count.CompareTo(b.Attributes.ClusterList.Count);
        if (c != 0)
            return c;
        return CompareAddresses(a.Source.Address.GetAddressBytes(), b.Source.Address.GetAddressBytes());
    }

    /// <summary>Zero when two routes are equally good for ECMP: same through the eBGP-over-iBGP step.</summary>
    public static int CompareForMultipath(Candidate a, Candidate b)
    {
        // Our own origination wins over anything learned (it is what we advertise, like a high weight).
        var c = b.Source.IsLocal.CompareTo(a.Source.IsLocal);
        if (c != 0)
            return c;
        c = LocalPref(b).CompareTo(LocalPref(a));
        if (c != 0)
            return c;
        c = a.Attributes.AsPath.Length.CompareTo(b.Attributes.AsPath.Length);
        if (c != 0)
            return c;
        c = ((byte)a.Attributes.Origin).CompareTo((byte)b.Attributes.Origin); // as bytes: an enum's CompareTo boxes both
        if (c != 0)
            return c;
        // MED only between routes from the same neighbouring AS (RFC 4271 9.1.2.2 c).
        var asA = a.Attributes.AsPath.FirstAs ?? a.Source.RemoteAs;
        var asB = b.Attributes.AsPath.FirstAs ?? b.Source.RemoteAs;
        if (asA == asB)
        {
            c = (a.Attributes.Med ?? 0).CompareTo(b.Attributes.Med ?? 0);
            if (c != 0)
                return c;
        }
        return a.Source.IsIbgp.CompareTo(b.Source.IsIbgp); // eBGP (false) before iBGP
    }

    private static uint LocalPref(Candidate c) => c.Source.IsIbgp ? c.Attributes.LocalPref ?? DefaultLocalPref : DefaultLocalPref;

    private static int CompareAddresses(byte[] a, byte[] b)
    {
        var c = a.Length.CompareTo(b.Length);
        return c != 0 ? c : a.AsSpan().SequenceCompareTo(b);
    }
}
