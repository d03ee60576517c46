using L3Net.Felix.Ipsets;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>
/// An ipset whose members come from pods: the addresses of the pods a selection selects (<see cref="NamedPort"/> null),
/// or, for a named port, each selected pod's address, protocol and port number of that name. It says what one pod
/// contributes (<see cref="MembersOf"/>), so a full calculation and an incremental one fill it alike: the first from
/// every endpoint, the second one endpoint at a time.
/// </summary>
public sealed record PodSetSpec(string Name, IpVersion Version, PodSelection Selection, string? NamedPort = null, string? Protocol = null)
{
    public IpSetType Type => NamedPort is null ? IpSetType.Net : IpSetType.IpPort;

    /// <summary>The members <paramref name="ep"/> contributes (none when the selection does not select it), in the
    /// form <see cref="IpSet"/> keeps them.</summary>
    public IEnumerable<string> MembersOf(WorkloadEndpoint ep, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
    {
        if (!Selection.Matches(ep, namespaceLabels))
            return [];
        var addresses = ep.Spec.IpNetworks.Where(Version.Holds);
        if (NamedPort is null)
            return addresses.Select(IpSet.Canonical);
        return (ep.Spec.Ports ?? [])
            .Where(p => p.Name == NamedPort && string.Equals(p.Protocol, Protocol, StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => addresses.Select(ip => IpSet.Canonical($"{ip.Split('/')[0]},{Protocol}:{p.Port}")));
    }
}

/// <summary>Where <see cref="PolicyMatches"/> puts the sets its rules refer to: the full calculation fills them at once,
/// the incremental one keeps them and follows endpoint changes.</summary>
public interface IRuleSetSink
{
    /// <summary>A set whose members the rule text fixes (an ipBlock, the pools).</summary>
    void Fixed(IpSet set);

    /// <summary>A set whose members are pods.</summary>
    void Pods(PodSetSpec spec);
}
