namespace L3Net.Felix;

/// <summary>Constants every part of the dataplane agrees on (and the CNI plugin too, see CONTRACTS.md).</summary>
public static class Dataplane
{
    /// <summary>Route protocol number of every route L3Net writes (<c>proto 77</c>); routes with any other protocol
    /// are never touched.</summary>
    public const byte RouteProtocol = 77;

    /// <summary>Prefix of every iptables chain and ipset L3Net owns.</summary>
    public const string NamePrefix = "l3n-";

    /// <summary>Prefix of workload host-side interfaces.</summary>
    public const string WorkloadInterfacePrefix = "cali";
}
