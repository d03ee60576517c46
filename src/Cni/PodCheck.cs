using System.Net;
using System.Net.Sockets;
using L3Net.Netlink;

namespace L3Net.Cni;

/// <summary>CHECK: compares the kernel with what ADD built and names every difference.</summary>
public static class PodCheck
{
    public static IReadOnlyList<string> Problems(RouteSocket host, string netnsPath, string ifName, string hostName,
        IReadOnlyList<IPAddress> addresses)
    {
        var problems = new List<string>();
        var hostLink = host.GetLink(hostName);
        if (hostLink is null)
            problems.Add($"host interface {hostName} is missing");
        else
        {
            if (!hostLink.IsUp)
                problems.Add($"host interface {hostName} is down");
            if (Sysctl.Read(Sysctl.Interface("ipv4", hostName, "proxy_arp")) != "1")
                problems.Add($"proxy_arp is off on {hostName}");
            foreach (var family in addresses.Select(a => a.AddressFamily).Distinct())
            {
                var routes = host.ListRoutes(family);
                foreach (var address in addresses.Where(a => a.AddressFamily == family))
                    if (!routes.Contains(PodDataplane.HostRoute(address, hostLink.Index)))
                        problems.Add($"host route {address}/{PodDataplane.HostPrefix(address)} dev {hostName} is missing");
            }
        }

        using var ns = PodDataplane.OpenNamespace(netnsPath);
        using var pod = NetNamespace.Run(ns, netnsPath, () => new RouteSocket());
        var podLink = pod.GetLink(ifName);
        if (podLink is null)
        {
            problems.Add($"interface {ifName} is missing in {netnsPath}");
            return problems;
        }
        if (!podLink.IsUp)
            problems.Add($"interface {ifName} is down");
        var present = pod.ListAddresses(index: podLink.Index);
        foreach (var address in addresses)
            if (!present.Any(p => p.Address.Equals(address) && p.PrefixLength == PodDataplane.HostPrefix(address)))
                problems.Add($"address {address}/{PodDataplane.HostPrefix(address)} is missing on {ifName}");
        var v4 = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork);
        var v6 = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        var podRoutes = pod.ListRoutes(AddressFamily.InterNetwork).Concat(v6 ? pod.ListRoutes(AddressFamily.InterNetworkV6) : []).ToList();
        foreach (var route in PodDataplane.PodRoutes(podLink.Index, v6, v4))
            if (!podRoutes.Any(r => SameRoute(r, route)))
                problems.Add($"route {route.Destination}{(route.Gateway is null ? "" : $" via {route.Gateway}")} dev {ifName} is missing in the pod");
        return problems;
    }

    /// <summary>Whoever added it (protocol) does not matter inside the pod: only where it leads.</summary>
    private static bool SameRoute(Route actual, Route expected) =>
        actual.Destination.Equals(expected.Destination) && Equals(actual.Gateway, expected.Gateway) &&
        actual.OutputInterface == expected.OutputInterface && actual.Type == RouteType.Unicast;
}
