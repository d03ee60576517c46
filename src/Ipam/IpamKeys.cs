using System.Net;

namespace L3Net.Ipam;

/// <summary>
/// Where IPAM keeps its records. Node daemons watch <see cref="AffinityPrefix"/> (which blocks to advertise) and
/// <see cref="BlockPrefix"/> (borrowed addresses). A CIDR in a key has its slash replaced: <c>10.244.0.0-26</c>.
/// </summary>
public static class IpamKeys
{
    public const string Root = "/l3net/ipam/";
    public const string BlockPrefix = Root + "blocks/";
    public const string AffinityPrefix = Root + "affinities/";
    public const string HandlePrefix = Root + "handles/";

    public static string Block(IPNetwork cidr) => BlockPrefix + CidrSegment(cidr);

    /// <summary>All affinities of one node; the trailing slash keeps node "n1" from matching "n10".</summary>
    public static string NodeAffinities(string node) => AffinityPrefix + Uri.EscapeDataString(node) + "/";

    public static string Affinity(string node, IPNetwork cidr) => NodeAffinities(node) + CidrSegment(cidr);

    public static string Handle(string handle) => HandlePrefix + Uri.EscapeDataString(handle);

    private static string CidrSegment(IPNetwork cidr) => cidr.ToString().Replace('/', '-');
}
