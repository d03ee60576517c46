using L3Net.Felix.Iptables;

namespace L3Net.Felix.Policy;

/// <summary>
/// One address family of the rendering. Chains carry the same names in both (iptables and ip6tables keep separate
/// tables), but ipsets share one namespace, so an IPv6 set's kind gets a <c>6</c>: <c>l3n-s-HASH</c> and
/// <c>l3n-s6-HASH</c> hold the IPv4 and IPv6 addresses of the same selector.
/// </summary>
public sealed record IpVersion(bool IPv6)
{
    public static readonly IpVersion V4 = new(false);
    public static readonly IpVersion V6 = new(true);

    /// <summary>Whether an address or CIDR in text form (<c>10.244.1.5/32</c>, <c>fd00::5/128</c>) is of this family.</summary>
    public bool Holds(string addressOrCidr) => addressOrCidr.Contains(':', StringComparison.Ordinal) == IPv6;

    /// <summary>The name of a set of <paramref name="kind"/> keyed by <paramref name="key"/> (hashed to fit ipset's 31 characters).</summary>
    public string SetName(string kind, string key) => $"{Dataplane.NamePrefix}{kind}{(IPv6 ? "6" : "")}-{Chain.ShortHash(key)}";

    /// <summary>The name of a set that exists once per family, e.g. <c>l3n-all-pools</c> / <c>l3n-all-pools6</c>.</summary>
    public string FixedSetName(string name) => IPv6 ? name + "6" : name;

    public override string ToString() => IPv6 ? "IPv6" : "IPv4";
}
