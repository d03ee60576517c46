namespace L3Net.Felix.Ipsets;

/// <summary>
/// An ipset L3Net owns (<c>hash:net</c>, one address family). Members are CIDRs; a member ending in <c> nomatch</c>
/// is an exception inside a wider member (how a NetworkPolicy ipBlock's <c>except</c> is expressed). Members are
/// kept in the form <c>ipset save</c> prints (host routes without their /32 or /128) so that sets read back compare
/// equal.
/// </summary>
public sealed record IpSet
{
    public const int MaxNameLength = 31;

    public IpSet(string name, bool ipv6, IEnumerable<string> members)
    {
        if (!name.StartsWith(Dataplane.NamePrefix, StringComparison.Ordinal) || name.Length > MaxNameLength)
            throw new ArgumentException($"ipset '{name}' must start with '{Dataplane.NamePrefix}' and be at most {MaxNameLength} characters");
        Name = name;
        IPv6 = ipv6;
        Members = members.Select(Canonical).ToHashSet(StringComparer.Ordinal);
    }

    public string Name { get; }
    public bool IPv6 { get; }
    public IReadOnlySet<string> Members { get; }

    public string CreateLine(string name) => $"create {name} hash:net family {(IPv6 ? "inet6" : "inet")}";

    public static string Canonical(string member)
    {
        var m = member.Trim();
        var nomatch = m.EndsWith(" nomatch", StringComparison.Ordinal);
        var cidr = nomatch ? m[..^" nomatch".Length] : m;
        var full = cidr.Contains(':', StringComparison.Ordinal) ? 128 : 32;
        var net = System.Net.IPNetwork.Parse(cidr.Contains('/', StringComparison.Ordinal) ? cidr : $"{cidr}/{full}");
        var text = net.PrefixLength == full ? net.BaseAddress.ToString() : net.ToString();
        return nomatch ? text + " nomatch" : text;
    }
}
