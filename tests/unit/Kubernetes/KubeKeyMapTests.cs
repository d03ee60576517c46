using L3Net.Datastore.Kubernetes;
using Xunit;

namespace L3Net.Tests.Unit.Kubernetes;

public sealed class KubeKeyMapTests
{
    [Fact]
    public void Resource_keys_map_to_their_CRD_paths()
    {
        Assert.Equal(("ippools", null, "default"), Where(KubeKeyMap.Locate("/l3net/ippools/default")));
        Assert.Equal(("workloadendpoints", "ns1", "n1-web-eth0"), Where(KubeKeyMap.Locate("/l3net/workloadendpoints/ns1/n1-web-eth0")));
        Assert.Equal(("networkpolicies", "ns1", "deny"), Where(KubeKeyMap.Locate("/l3net/networkpolicies/ns1/deny")));
        Assert.Equal("networking.k8s.io", KubeKeyMap.Locate("/l3net/networkpolicies/ns1/deny").Route.Resource.Group);
        Assert.Throws<ArgumentException>(() => KubeKeyMap.Locate("/l3net/workloadendpoints/only-a-name"));
        Assert.Throws<ArgumentException>(() => KubeKeyMap.Locate("/elsewhere/x"));
    }

    [Theory]
    [InlineData("ipam/blocks/10.244.1.0/26")]
    [InlineData("ipam/handles/k8s-pod-network.ABCDEF0123")]
    [InlineData("ipam/affinities/block:host:node_1:10.244.1.0-26")]
    [InlineData("-")]
    public void Other_keys_become_records_with_valid_distinct_names(string rest)
    {
        var target = KubeKeyMap.Locate("/l3net/" + rest);

        Assert.True(target.Route.IsRecord);
        Assert.True(target.Encoded);
        Assert.False(KubeKeyMap.ObjectName(target.Name).Encoded, $"{target.Name} must itself be a valid object name");
        Assert.NotEqual(target.Name, KubeKeyMap.Locate("/l3net/" + rest + "x").Name);
    }

    [Fact]
    public void A_prefix_reads_only_the_collections_it_can_match()
    {
        Assert.Equal(["ippools"], KubeKeyMap.Collections("/l3net/ippools/").Select(c => c.Route.Resource.Plural));
        Assert.Equal(["workloadendpoints"], KubeKeyMap.Collections("/l3net/workloadendpoints/ns1/").Select(c => c.Route.Resource.Plural));
        Assert.Equal("ns1", KubeKeyMap.Collections("/l3net/workloadendpoints/ns1/").Single().Namespace);
        Assert.Null(KubeKeyMap.Collections("/l3net/workloadendpoints/ns").Single().Namespace);
        Assert.Equal(["datastorerecords"], KubeKeyMap.Collections("/l3net/ipam/").Select(c => c.Route.Resource.Plural));
        Assert.Equal(["ippools", "ipreservations", "ipamconfigurations", "datastorerecords"], KubeKeyMap.Collections("/l3net/ip").Select(c => c.Route.Resource.Plural));
        Assert.Equal(KubeKeyMap.TypedRoutes.Count + 1, KubeKeyMap.Collections("/l3net/").Count);
        Assert.Empty(KubeKeyMap.Collections("/other/"));
    }

    private static (string, string?, string) Where(KubeObjectRef target) => (target.Route.Resource.Plural, target.Namespace, target.Name);
}
