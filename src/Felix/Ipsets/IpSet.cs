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

    private IpSet(string name, bool ipv6, IpSetType type, IReadOnlySet<string> canonicalMembers)
    {
        Name = name;
        IPv6 = ipv6;
        Type = type;
        Members = canonicalMembers;
    }

    /// <summary>A set whose members are already in canonical form (an incremental calculation keeps them so, in an
    /// immutable set it shares with the result instead of copying it).</summary>
    internal static IpSet OfCanonical(string name, bool ipv6, IpSetType type, IReadOnlySet<string> members) => new(name, ipv6, type, members);

    /// <summary>This set after <paramref name="added"/> joined and <paramref name="removed"/> left (both canonical):
    /// it names this one as its base, so an applier that holds this one writes just those members. Only one step is
    /// kept (this one forgets its own base), so a long-lived set does not hold on to its whole history.</summary>
    internal IpSet Next(IReadOnlySet<string> members, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed)
    {
        var next = new IpSet(Name, IPv6, Type, members) { _base = this, _added = added, _removed = removed };
        _base = null;
        return next;
    }

    private IpSet? _base;
    private IReadOnlyCollection<string> _added = [];
    private IReadOnlyCollection<string> _removed = [];

    /// <summary>The members added and removed since <paramref name="applied"/>, when this set is its direct successor;
    /// null otherwise (the caller then compares the members).</summary>
    public (IReadOnlyCollection<string> Added, IReadOnlyCollection<string> Removed)? ChangesSince(IpSet applied)
        => ReferenceEquals(_base, applied) ? (_added, _removed) : null;

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
