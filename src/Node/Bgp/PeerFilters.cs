using System.Net;
using System.Net.Sockets;
using L3Net.Bgp.Policy;
using L3Net.Model.Resources;

namespace L3Net.Node.Bgp;

/// <summary>BGPPeer <c>filters</c> as the speaker takes them: for each direction, the rules of the named BGPFilters of
/// both families, in the order the peer names the filters (Calico calls each filter's function in turn; the first
/// accept or reject wins). A name with no BGPFilter behind it is skipped with a warning, as Calico's confd skips it.</summary>
public static class PeerFilters
{
    public static (RouteFilter Import, RouteFilter Export) For(BGPPeer peer, IReadOnlyCollection<BGPFilter> filters, Action<string>? warn)
    {
        List<BGPFilterSpec> named = [];
        foreach (var name in peer.Spec.Filters ?? [])
        {
            if (filters.FirstOrDefault(f => f.Metadata.Name == name) is { } filter)
                named.Add(filter.Spec);
            else
                warn?.Invoke($"BGPPeer {peer.Metadata.Name}: BGPFilter {name} does not exist; skipped until it is created");
        }
        if (named.Count == 0)
            return (RouteFilter.None, RouteFilter.None);
        return (Filter(named.SelectMany(f => Rules(f.ImportV4, AddressFamily.InterNetwork).Concat(Rules(f.ImportV6, AddressFamily.InterNetworkV6)))),
                Filter(named.SelectMany(f => Rules(f.ExportV4, AddressFamily.InterNetwork).Concat(Rules(f.ExportV6, AddressFamily.InterNetworkV6)))));
    }

    private static RouteFilter Filter(IEnumerable<FilterRule> rules)
    {
        var list = rules.ToList();
        return list.Count == 0 ? RouteFilter.None : new RouteFilter(list);
    }

    /// <summary>A rule validation refused (written around it) is left out rather than stopping the node.</summary>
    private static IEnumerable<FilterRule> Rules(List<BGPFilterRule>? rules, AddressFamily family)
    {
        foreach (var r in rules ?? [])
        {
            if (!Enum.TryParse<FilterAction>(r.Action, out var action))
                continue;
            IPNetwork? cidr = null;
            if (r.Cidr is not null)
            {
                if (!IPNetwork.TryParse(r.Cidr, out var network) || network.BaseAddress.AddressFamily != family)
                    continue;
                cidr = network;
            }
            var match = PrefixMatch.In;
            if (r.MatchOperator is not null && !Enum.TryParse(r.MatchOperator, out match))
                continue;
            yield return new FilterRule
            {
                Family = family,
                Cidr = cidr,
                Match = match,
                MinLength = r.PrefixLength?.Min,
                MaxLength = r.PrefixLength?.Max,
                LearnedOnly = r.Source == "RemotePeers",
                Action = action,
            };
        }
    }
}
