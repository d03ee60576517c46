using L3Net.Model.Resources;
using L3Net.Model.Serialization;
using Xunit;

namespace L3Net.Tests.Unit.Model;

/// <summary>BGPFilter as Calico writes it (<c>projectcalico.org/v3</c>) and as L3Net stores it: every field parsed by
/// name and written back the same, every bad rule refused with its field named, and Calico's rule fields L3Net does
/// not implement refused by name rather than ignored.</summary>
public sealed class BgpFilterSpecTests
{
    private const string CalicoSample = """
        apiVersion: projectcalico.org/v3
        kind: BGPFilter
        metadata:
          name: my-filter
        spec:
          exportV4:
            - action: Accept
              matchOperator: In
              cidr: 77.0.0.0/16
              source: RemotePeers
          importV4:
            - action: Accept
              matchOperator: In
              cidr: 55.0.0.0/16
              prefixLength:
                min: 30
            - action: Reject
              matchOperator: NotIn
              cidr: 44.0.0.0/16
          exportV6:
            - action: Reject
              source: RemotePeers
          importV6:
            - action: Accept
              matchOperator: Equal
              cidr: 5000::/64
            - action: Reject
        """;

    private static string Rule(string list, string rule, string api = "l3net.io/v1")
        => $"apiVersion: {api}\nkind: BGPFilter\nmetadata: {{name: f}}\nspec: {{{list}: [{rule}]}}\n";

    [Fact]
    public void Calicos_sample_parses_and_round_trips_through_YAML()
    {
        var filter = Assert.IsType<BGPFilter>(Assert.Single(ResourceCodec.Parse(CalicoSample).Resources));
        Assert.Equal(("Accept", "In", "77.0.0.0/16", "RemotePeers"),
            (filter.Spec.ExportV4![0].Action, filter.Spec.ExportV4[0].MatchOperator, filter.Spec.ExportV4[0].Cidr, filter.Spec.ExportV4[0].Source));
        Assert.Equal(30, filter.Spec.ImportV4![0].PrefixLength!.Min);
        Assert.Null(filter.Spec.ImportV4[0].PrefixLength!.Max);
        Assert.Equal(2, filter.Spec.ImportV6!.Count);

        var yaml = ResourceCodec.ToYaml(filter);
        Assert.StartsWith("apiVersion: l3net.io/v1\nkind: BGPFilter\n", yaml);
        var back = Assert.IsType<BGPFilter>(Assert.Single(ResourceCodec.Parse(yaml).Resources));
        Assert.Equal(ResourceCodec.ToJson(filter), ResourceCodec.ToJson(back));
    }

    public static TheoryData<string, string> BadRules => new()
    {
        { Rule("importV4", "{action: Reject, matchOperator: In, cidr: 10.0.0.0/33}"), "spec.importV4[0].cidr:" },
        { Rule("importV4", "{action: Reject, matchOperator: In, cidr: 10.0.0.1/16}"), "spec.importV4[0].cidr: '10.0.0.1/16' is not a valid CIDR: host bits are set" },
        { Rule("exportV4", "{action: Reject, matchOperator: In, cidr: 'fd00::/64'}"), "spec.exportV4[0].cidr: 'fd00::/64' is not IPv4" },
        { Rule("exportV6", "{action: Reject, matchOperator: In, cidr: 10.0.0.0/8}"), "spec.exportV6[0].cidr: '10.0.0.0/8' is not IPv6" },
        { Rule("importV4", "{action: Reject, matchOperator: Within, cidr: 10.0.0.0/8}"), "spec.importV4[0].matchOperator: 'Within' is not one of Equal, NotEqual, In, NotIn" },
        { Rule("importV4", "{action: Reject, cidr: 10.0.0.0/8}"), "spec.importV4[0].matchOperator: required with cidr" },
        { Rule("importV4", "{action: Reject, matchOperator: In}"), "spec.importV4[0].cidr: required with matchOperator" },
        { Rule("importV4", "{action: Drop}"), "spec.importV4[0].action: 'Drop' is not one of Accept, Reject" },
        { Rule("importV4", "{matchOperator: In, cidr: 10.0.0.0/8}"), "spec.importV4[0].action: required (Accept or Reject)" },
        { Rule("importV4", "{action: Accept, source: LocalPeers}"), "spec.importV4[0].source: 'LocalPeers' is not RemotePeers" },
        { Rule("importV4", "{action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 33}}"), "spec.importV4[0].prefixLength.min: 33 is out of range (0-32)" },
        { Rule("importV6", "{action: Accept, matchOperator: In, cidr: 'fd00::/8', prefixLength: {max: 129}}"), "spec.importV6[0].prefixLength.max: 129 is out of range (0-128)" },
        { Rule("importV4", "{action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 28, max: 24}}"), "spec.importV4[0].prefixLength: min 28 is above max 24" },
        { Rule("importV4", "{action: Accept, prefixLength: {min: 24}}"), "spec.importV4[0].prefixLength: needs a cidr" },
        { Rule("importV4", "{action: Accept, matchOperator: Equal, cidr: 10.0.0.0/8, prefixLength: {min: 24}}"), "spec.importV4[0].prefixLength: only with matchOperator In or NotIn" },
        { Rule("importV4", "{action: Accept, interface: '*.calico'}"), "spec.importV4[0].interface: unknown field" },
        { Rule("exportV4", "{action: Accept, interface: '*.calico'}", "projectcalico.org/v3"), "spec.exportV4[0].interface: Calico field not supported by L3Net" },
        { Rule("exportV4", "{action: Accept, peerType: eBGP}", "projectcalico.org/v3"), "spec.exportV4[0].peerType: Calico field not supported by L3Net" },
        { Rule("exportV4", "{action: Accept, operations: [{addCommunity: {value: '1:2'}}]}", "projectcalico.org/v3"), "spec.exportV4[0].operations: Calico field not supported by L3Net" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void A_bad_rule_is_refused_naming_its_field(string yaml, string expected)
    {
        var e = Assert.Throws<ResourceFormatException>(() => ResourceCodec.Parse(yaml, "filter.yaml"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_document_with_one_bad_rule_yields_nothing()
    {
        var yaml = CalicoSample + "\n---\n" + Rule("importV4", "{action: Drop}");
        Assert.Throws<ResourceFormatException>(() => ResourceCodec.Parse(yaml, "filters.yaml"));
    }
}
