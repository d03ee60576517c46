using System.Net;

namespace L3Net.Felix.Ipsets;

/// <summary>The two kinds of set L3Net renders: CIDRs (policy peers, ipBlocks, pools) and address-port pairs (pods'
/// named ports, matched against a packet's destination address and port together).</summary>
public enum IpSetType
{
    /// <summary><c>hash:net</c>: members are CIDRs, optionally <c> nomatch</c>.</summary>
    Net,

    /// <summary><c>hash:ip,port</c>: members are <c>ADDRESS,PROTO:PORT</c>, e.g. <c>10.244.1.5,tcp:8080</c>.</summary>
    IpPort,
}

/// <summary>
/// An ipset L3Net owns, of one address family. <see cref="IpSetType.Net"/> members are CIDRs; a member ending in
/// <c> nomatch</c> is an exception inside a wider member (how a NetworkPolicy ipBlock's <c>except</c> is expressed).
/// Members are kept in the form <c>ipset save</c> prints (host routes without their /32 or /128, IPv6 compressed,
/// protocols in lower case) so that sets read back compare equal.
/// </summary>
public sealed record IpSet
{
    public const int MaxNameLength = 31;

    public IpSet(string name, bool ipv6, IEnumerable<string> members, IpSetType type = IpSetType.Net)
    {
        if (!name.StartsWith(Dataplane.NamePrefix, StringComparison.Ordinal) || name.Length > MaxNameLength)
            throw new ArgumentException($"ipset '{name}' must start with '{Dataplane.NamePrefix}' and be at most {MaxNameLength} characters");
        Name = name;
        IPv6 = ipv6;
        Type = type;
        Members = members.Select(Canonical).ToHashSet(StringComparer.Ordinal);
    }

    public string Name { get; }
    public bool IPv6 { get; }
    public IpSetType Type { get; }
    public IReadOnlySet<string> Members { get; }

    public string CreateLine(string name)
        => $"create {name} {(Type == IpSetType.Net ? "hash:net" : "hash:ip,port")} family {(IPv6 ? "inet6" : "inet")}";

    public static string Canonical(string member)
    {
        var m = member.Trim();
        var comma = m.IndexOf(',', StringComparison.Ordinal);
        if (comma >= 0)
            return IPAddress.Parse(m[..comma]) + "," + m[(comma + 1)..].ToLowerInvariant();
        var nomatch = m.EndsWith(" nomatch", StringComparison.Ordinal);
        var cidr = nomatch ? m[..^" nomatch".Length] : m;
        var full = cidr.Contains(':', StringComparison.Ordinal) ? 128 : 32;
        var net = IPNetwork.Parse(cidr.Contains('/', StringComparison.Ordinal) ? cidr : $"{cidr}/{full}");
        var text = net.PrefixLength == full ? net.BaseAddress.ToString() : net.ToString();
        return nomatch ? text + " nomatch" : text;
    }
}
