using L3Net.Netlink;

namespace L3Net.Felix.Sysctls;

/// <summary>
/// The host end of a workload veth needs proxy ARP with no delay (it answers the pod's 169.254.1.1), forwarding, and
/// for IPv6 proxy NDP without router advertisements. The CNI plugin sets them at ADD; a resync reads them back and
/// puts back whatever was changed by hand. An interface that is gone (pod deleted meanwhile) is skipped.
/// </summary>
public static class EndpointSysctls
{
    public static IEnumerable<(string Key, string Value)> Desired(string iface, bool v6)
    {
        yield return (Sysctl.Interface("ipv4", iface, "proxy_arp"), "1");
        yield return ($"net/ipv4/neigh/{iface}/proxy_delay", "0");
        yield return (Sysctl.Interface("ipv4", iface, "forwarding"), "1");
        if (!v6)
            yield break;
        yield return (Sysctl.Interface("ipv6", iface, "proxy_ndp"), "1");
        yield return (Sysctl.Interface("ipv6", iface, "forwarding"), "1");
        yield return (Sysctl.Interface("ipv6", iface, "accept_ra"), "0");
    }

    /// <summary>Compares and repairs in the calling thread's namespace, or inside <paramref name="netnsPath"/> when
    /// given; returns the keys it had to put back.</summary>
    public static IReadOnlyList<string> Repair(IEnumerable<(string Interface, bool V6)> endpoints, string? netnsPath = null)
    {
        var list = endpoints.ToList();
        return netnsPath is null ? RepairHere(list) : NetNamespace.Run(netnsPath, () => RepairHere(list));
    }

    private static List<string> RepairHere(List<(string Interface, bool V6)> endpoints)
    {
        var repaired = new List<string>();
        foreach (var (key, value) in endpoints.SelectMany(e => Desired(e.Interface, e.V6)))
        {
            try
            {
                if (Sysctl.Read(key) == value)
                    continue;
                Sysctl.Write(key, value);
                repaired.Add(key);
            }
            catch (IOException)
            {
                // the interface went away between the listing and now
            }
        }
        return repaired;
    }
}
