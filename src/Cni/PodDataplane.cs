using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using L3Net.Netlink;
using Microsoft.Win32.SafeHandles;

namespace L3Net.Cni;

/// <summary>What ADD built: both ends of the veth, for the result and the WorkloadEndpoint.</summary>
public sealed record PodInterfaces(string HostName, string HostMac, string ContainerMac, int Mtu);

/// <summary>
/// The kernel side of a pod (DESIGN.md "Dataplane facts"): a veth whose pod end holds the /32 (/128) addresses and
/// reaches everything through the link-local gateway 169.254.1.1, answered by proxy ARP on the host end, and a host
/// route per address to the host end. Every route it writes carries protocol 77 so Felix recognises them.
/// </summary>
public static class PodDataplane
{
    public static readonly IPAddress GatewayV4 = IPAddress.Parse("169.254.1.1");

    /// <summary>The host end's fixed MAC, as Calico uses; the pod's IPv6 gateway is its EUI-64 link-local address.</summary>
    public static readonly PhysicalAddress HostMac = PhysicalAddress.Parse("EE-EE-EE-EE-EE-EE");

    public static readonly IPAddress GatewayV6 = IPAddress.Parse("fe80::ecee:eeff:feee:eeee");

    private static readonly IPNetwork DefaultV4 = IPNetwork.Parse("0.0.0.0/0");
    private static readonly IPNetwork DefaultV6 = IPNetwork.Parse("::/0");

    /// <summary>Builds the pod's network. On a failure the veth may be left: the caller's rollback removes it (deleting
    /// it here could fail too and hide the error that matters).</summary>
    public static PodInterfaces Setup(RouteSocket host, SafeFileHandle podNs, string netnsPath, string ifName, string hostName,
        IReadOnlyList<IPAddress> addresses, int mtu)
    {
        // An earlier sandbox of the same pod may have left its host end behind; the name is ours now.
        host.DeleteLink(hostName);
        host.CreateVeth(hostName, ifName, podNs, mtu, HostMac);
        var hostLink = host.GetLink(hostName) ?? throw new NetlinkException($"veth {hostName} vanished after creation", NetlinkException.ENODEV);
        ConfigureHostEnd(hostName, addresses);
        host.SetLinkUp(hostLink.Index);
        var hasV6 = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        using var pod = NetNamespace.Run(podNs, netnsPath, () =>
        {
            if (hasV6)
                Sysctl.Write("net/ipv6/conf/all/disable_ipv6", "0");
            return new RouteSocket();
        });
        var podLink = pod.GetLink(ifName) ?? throw new NetlinkException($"{ifName} missing in {netnsPath}", NetlinkException.ENODEV);
        pod.SetLinkUp(podLink.Index);
        foreach (var address in addresses)
            pod.AddAddress(podLink.Index, address, HostPrefix(address), noDad: true);
        foreach (var route in PodRoutes(podLink.Index, hasV6, addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork)))
            pod.AddRoute(route);
        foreach (var address in addresses)
            host.ReplaceRoute(HostRoute(address, hostLink.Index));
        return new PodInterfaces(hostName, Format(hostLink.Mac), Format(podLink.Mac), mtu);
    }

    /// <summary>Proxy ARP with no delay makes the host end answer for 169.254.1.1; forwarding lets it route.</summary>
    private static void ConfigureHostEnd(string hostName, IReadOnlyList<IPAddress> addresses)
    {
        Sysctl.Write(Sysctl.Interface("ipv4", hostName, "proxy_arp"), "1");
        Sysctl.Write($"net/ipv4/neigh/{hostName}/proxy_delay", "0");
        Sysctl.Write(Sysctl.Interface("ipv4", hostName, "forwarding"), "1");
        if (addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6))
        {
            Sysctl.Write(Sysctl.Interface("ipv6", hostName, "proxy_ndp"), "1");
            Sysctl.Write(Sysctl.Interface("ipv6", hostName, "forwarding"), "1");
            Sysctl.Write(Sysctl.Interface("ipv6", hostName, "accept_ra"), "0");
        }
    }

    /// <summary>The routes inside the pod: the gateway as a link route, and defaults through it.</summary>
    public static IEnumerable<Route> PodRoutes(int podIndex, bool v6, bool v4 = true)
    {
        if (v4)
        {
            yield return new Route(new IPNetwork(GatewayV4, 32)) { OutputInterface = podIndex, Scope = RouteScope.Link, Protocol = RouteProtocol.Boot };
            yield return new Route(DefaultV4) { Gateway = GatewayV4, OutputInterface = podIndex, Protocol = RouteProtocol.Boot };
        }
        if (v6)
            yield return new Route(DefaultV6) { Gateway = GatewayV6, OutputInterface = podIndex, Protocol = RouteProtocol.Boot, Metric = 1024 };
    }

    public static Route HostRoute(IPAddress address, int hostIndex) =>
        new(new IPNetwork(address, HostPrefix(address)))
        {
            OutputInterface = hostIndex,
            Scope = address.AddressFamily == AddressFamily.InterNetwork ? RouteScope.Link : RouteScope.Universe,
            Protocol = RouteProtocol.L3Net,
            Metric = address.AddressFamily == AddressFamily.InterNetwork ? 0u : 1024u,
        };

    public static int HostPrefix(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;

    /// <summary>Removes the pod's interface (both veth ends and the host routes through it). A namespace that is
    /// already gone took its veth with it, so there is nothing left to do then.</summary>
    public static void Teardown(string? netnsPath, string ifName) => FindTeardown(netnsPath, ifName)?.Run();

    /// <summary>The removal of the pod's interface, found now and done by <see cref="PodTeardown.Run"/>, possibly later:
    /// by index, in the namespace it was found in, so that it removes this interface and never a newer one of the same
    /// name. Null when there is nothing to remove (the namespace or the interface already gone).</summary>
    public static PodTeardown? FindTeardown(string? netnsPath, string ifName)
    {
        if (netnsPath is null || !File.Exists(netnsPath))
            return null;
        RouteSocket pod;
        try
        {
            pod = NetNamespace.OpenSocket(netnsPath);
        }
        catch (NetlinkException)
        {
            return null; // the path exists but is no namespace any more (unmounted bind file)
        }
        if (pod.GetLink(ifName) is { } link)
            return new PodTeardown(pod, link.Index);
        pod.Dispose();
        return null;
    }

    public static SafeFileHandle OpenNamespace(string netnsPath)
    {
        try
        {
            return NetNamespace.Open(netnsPath);
        }
        catch (NetlinkException e)
        {
            throw new CniException(CniCodes.UnknownContainer, $"network namespace {netnsPath} does not exist", e.Message, e);
        }
    }

    internal static string Format(PhysicalAddress? mac) =>
        mac is null ? "" : string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));
}

/// <summary>Deletes one pod interface by index through a socket bound to the pod's namespace (which it keeps alive
/// until then); the kernel removes the peer and the host routes through it with it.</summary>
public sealed class PodTeardown(RouteSocket pod, int index)
{
    public void Run()
    {
        using (pod)
            pod.DeleteLink(index);
    }
}
