using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Wire;
using L3Net.Model.Resources;

namespace L3Net.Node.Bgp;

/// <summary>BGPConfiguration <c>prefixAdvertisements</c> as the speaker takes them: each cidr with its communities
/// resolved (names through <c>communities</c>, literals as they are), standard and large apart.</summary>
public static class AdvertisedCommunities
{
    public static IReadOnlyList<PrefixCommunities> From(BGPConfiguration? config)
    {
        List<PrefixCommunities> result = [];
        foreach (var advert in config?.Spec.PrefixAdvertisements ?? [])
        {
            if (!IPNetwork.TryParse(advert.Cidr, out var cidr))
                continue; // validation refuses it; a record written around validation must not stop the node
            var values = advert.Values(config!.Spec.Communities).OfType<uint[]>().ToList();
            result.Add(new PrefixCommunities(cidr,
                [.. values.Where(v => v.Length == 2).Select(v => v[0] << 16 | v[1])],
                [.. values.Where(v => v.Length == 3).Select(v => new LargeCommunity(v[0], v[1], v[2]))]));
        }
        return result;
    }
}
