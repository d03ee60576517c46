using System.Net;
using System.Net.NetworkInformation;

namespace L3Net.Node;

/// <summary>
/// A peer with no global address on the link (or one that peers over link-local addresses) sends a link-local IPv6
/// next hop, which the kernel only accepts with its link. The speaker reports bare addresses, so the node scopes such a
/// next hop to the interface holding its own IPv6 address: the link its IPv6 sessions run over. Felix then installs
/// the route out of that interface (the scope ID is the interface index).
/// </summary>
public static class LinkLocalNextHops
{
    /// <summary><paramref name="hops"/> with each unscoped link-local address given <paramref name="link"/>'s index;
    /// the same list when there is none (the common case: global next hops), or when the link is unknown (0).</summary>
    public static IReadOnlyList<IPAddress> Scope(IReadOnlyList<IPAddress> hops, Func<int> link)
    {
        if (!AnyUnscoped(hops))
            return hops;
        var index = link();
        return index == 0 ? hops : [.. hops.Select(h => Unscoped(h) ? new IPAddress(h.GetAddressBytes(), index) : h)];
    }

    /// <summary>The index of the interface that holds <paramref name="address"/> in this namespace, or 0.</summary>
    public static int InterfaceOf(IPAddress? address)
        => address is null ? 0
         : NetworkInterface.GetAllNetworkInterfaces().Select(n => n.GetIPProperties())
             .FirstOrDefault(p => p.UnicastAddresses.Any(a => a.Address.Equals(address)))?.GetIPv6Properties()?.Index ?? 0;

    private static bool Unscoped(IPAddress hop) => hop.IsIPv6LinkLocal && hop.ScopeId == 0;

    /// <summary>Asked for every learned route (a million for a full table): an indexed loop, no enumerator per call.</summary>
    private static bool AnyUnscoped(IReadOnlyList<IPAddress> hops)
    {
        for (var i = 0; i < hops.Count; i++)
            if (Unscoped(hops[i]))
                return true;
        return false;
    }
}
