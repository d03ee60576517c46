using System.Net;

namespace L3Net.Felix.Routes;

/// <summary>What to send the kernel to turn <c>actual</c> into <c>desired</c>.</summary>
public sealed record RoutePlan(IReadOnlyList<DesiredRoute> Upserts, IReadOnlyList<DesiredRoute> Deletes)
{
    public bool IsEmpty => Upserts.Count == 0 && Deletes.Count == 0;
}

/// <summary>
/// Compares the desired table with the protocol-77 routes read from the kernel (already in <see cref="DesiredRoute"/>
/// form). Only our own routes are ever passed in, so a foreign route can never be deleted here.
/// </summary>
public static class RouteDiff
{
    /// <summary>An endpoint route that is not desired is left alone: the CNI plugin writes it before the
    /// WorkloadEndpoint reaches us, and the kernel removes it with the veth when the pod goes, so deleting it here
    /// could only break a pod that is being born.</summary>
    public static RoutePlan Compute(IReadOnlyDictionary<IPNetwork, DesiredRoute> desired, IEnumerable<DesiredRoute> actual)
    {
        var upserts = new List<DesiredRoute>();
        var deletes = new List<DesiredRoute>();
        var seen = new HashSet<IPNetwork>();
        foreach (var a in actual)
        {
            seen.Add(a.Destination);
            if (desired.TryGetValue(a.Destination, out var d))
            {
                if (!d.Equals(a))
                    upserts.Add(d);
            }
            else if (a.Kind != RouteKind.Endpoint)
            {
                deletes.Add(a);
            }
        }
        upserts.AddRange(desired.Values.Where(d => !seen.Contains(d.Destination)));
        return new RoutePlan(upserts, deletes);
    }
}
