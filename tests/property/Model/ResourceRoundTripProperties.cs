using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using L3Net.Model.Resources;
using L3Net.Model.Serialization;
using Xunit;

namespace L3Net.Tests.Property.Model;

/// <summary>Whatever the codec writes, it reads back unchanged: YAML, JSON and the stored (source-generated) form.</summary>
[Properties(Arbitrary = new[] { typeof(ResourceArbitraries) })]
public sealed class ResourceRoundTripProperties
{
    /// <summary>Asserts (so a failure shows the differing text) and returns true for FsCheck.</summary>
    private static bool RoundTrips(Resource resource)
    {
        var json = ResourceCodec.ToJson(resource);
        var kind = ResourceKinds.Of(resource.GetType());
        var fromYaml = Assert.Single(ResourceCodec.Parse(ResourceCodec.ToYaml(resource)).Resources);
        var fromJson = Assert.Single(ResourceCodec.Parse(json).Resources);
        var fromStorage = (Resource)JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(resource, kind.JsonTypeInfo), kind.JsonTypeInfo)!;
        Assert.Equal(json, ResourceCodec.ToJson(fromYaml));
        Assert.Equal(json, ResourceCodec.ToJson(fromJson));
        Assert.Equal(json, ResourceCodec.ToJson(fromStorage));
        return true;
    }

    [Property]
    public bool Nodes_round_trip(NodeResource node) => RoundTrips(node);

    [Property]
    public bool Pools_round_trip(IPPool pool) => RoundTrips(pool);
}

/// <summary>Valid nodes and pools, with label values of any text.</summary>
public static class ResourceArbitraries
{
    private static readonly Gen<string> LabelValues = ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get);

    public static Arbitrary<NodeResource> Nodes()
        => (from octet in Gen.Choose(0, 255)
            from length in Gen.Choose(8, 32)
            from asn in Gen.Choose(1, int.MaxValue)
            from dotted in ArbMap.Default.GeneratorFor<bool>()
            from label in LabelValues
            select new NodeResource
            {
                Metadata = { Name = $"node-{octet}", Labels = { ["rack"] = label } },
                Spec =
                {
                    Bgp = new NodeBgpSpec
                    {
                        Ipv4Address = $"10.{octet}.0.1/{length}",
                        AsNumber = dotted ? $"{asn >> 16}.{asn & 0xFFFF}" : asn.ToString(),
                        RouteReflectorClusterId = octet % 2 == 0 ? $"224.0.0.{octet}" : null,
                    },
                },
            }).ToArbitrary();

    public static Arbitrary<IPPool> Pools()
        => (from octet in Gen.Choose(0, 255)
            from length in Gen.Choose(8, 24)
            from block in Gen.Choose(24, 32)
            from nat in ArbMap.Default.GeneratorFor<bool>()
            select new IPPool
            {
                Metadata = { Name = $"pool-{octet}" },
                Spec = { Cidr = $"{octet & (0xFF << Math.Max(0, 8 - length)) & 0xFF}.0.0.0/{length}", BlockSize = block, NatOutgoing = nat },
            }).ToArbitrary();
}
