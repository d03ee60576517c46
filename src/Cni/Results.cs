using System.Net;
using System.Net.Sockets;

namespace L3Net.Cni;

/// <summary>Builds the ADD result in the version the config asked for, appended to a chained prevResult.</summary>
public static class Results
{
    public static CniResult ForPod(NetConf conf, CniEnvironment env, PodInterfaces interfaces, IReadOnlyList<IPAddress> addresses)
    {
        var result = Start(conf);
        result.Interfaces.Add(new CniInterface { Name = interfaces.HostName, Mac = interfaces.HostMac });
        var podIndex = result.Interfaces.Count;
        result.Interfaces.Add(new CniInterface
        {
            Name = env.IfName,
            Mac = interfaces.ContainerMac,
            Sandbox = env.Netns,
            Mtu = CniVersions.AtLeast(result.CniVersion!, "1.1.0") ? interfaces.Mtu : null,
        });
        AddAddresses(result, addresses, podIndex);
        if (addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork))
            result.Routes.Add(new CniRoute { Dst = "0.0.0.0/0", Gw = PodDataplane.GatewayV4.ToString() });
        if (addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6))
            result.Routes.Add(new CniRoute { Dst = "::/0", Gw = PodDataplane.GatewayV6.ToString() });
        return result;
    }

    /// <summary>The IPAM plugin's answer: addresses only; the interface plugin that called it owns the rest.</summary>
    public static CniResult ForIpam(NetConf conf, IReadOnlyList<IPAddress> addresses)
    {
        var result = Start(conf);
        AddAddresses(result, addresses, null);
        return result;
    }

    private static CniResult Start(NetConf conf)
    {
        var version = conf.CniVersion!;
        var result = conf.PrevResult ?? new CniResult();
        result.CniVersion = version;
        result.Dns ??= conf.Dns;
        foreach (var ip in result.Ips)
            ip.Version = VersionField(version, ip.Address);
        return result;
    }

    private static void AddAddresses(CniResult result, IReadOnlyList<IPAddress> addresses, int? index)
    {
        foreach (var address in addresses)
        {
            var cidr = $"{address}/{PodDataplane.HostPrefix(address)}";
            result.Ips.Add(new IpConfig { Address = cidr, Interface = index, Version = VersionField(result.CniVersion!, cidr) });
        }
    }

    private static string? VersionField(string cniVersion, string cidr) =>
        CniVersions.IpsCarryVersion(cniVersion) ? (cidr.Contains(':') ? "6" : "4") : null;

    /// <summary>The pod's addresses recorded in a prevResult (CHECK compares the kernel against them).</summary>
    public static IReadOnlyList<IPAddress> AddressesOf(CniResult result) =>
        result.Ips.Select(ip => IPAddress.Parse(ip.Address.Split('/')[0])).ToList();
}
