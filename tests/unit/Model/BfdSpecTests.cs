using L3Net.Model.Resources;
using L3Net.Model.Serialization;
using Xunit;

namespace L3Net.Tests.Unit.Model;

/// <summary><c>spec.bfd</c> of BGPPeer and BGPConfiguration: parsed by name, timers checked with the field named.</summary>
public sealed class BfdSpecTests
{
    private static string Peer(string bfd) => $"apiVersion: l3net.io/v1\nkind: BGPPeer\nmetadata: {{name: tor}}\nspec: {{peerIP: 10.0.0.1, asNumber: 65001, bfd: {bfd}}}\n";

    private static string Config(string bfd) => $"apiVersion: l3net.io/v1\nkind: BGPConfiguration\nmetadata: {{name: default}}\nspec: {{bfd: {bfd}}}\n";

    [Fact]
    public void Parses_every_field_of_a_peer_and_of_the_mesh()
    {
        var peer = (BGPPeer)ResourceCodec.Parse(Peer("{enabled: true, minRxMs: 100, minTxMs: 200, multiplier: 5}")).Resources.Single();
        Assert.Equal((true, 100, 200, 5), (peer.Spec.Bfd!.Enabled, peer.Spec.Bfd.MinRxMs, peer.Spec.Bfd.MinTxMs, peer.Spec.Bfd.Multiplier));
        var config = (BGPConfiguration)ResourceCodec.Parse(Config("{enabled: true}")).Resources.Single();
        Assert.True(config.Spec.Bfd!.Enabled);
        Assert.Contains("\"minRxMs\": 100", ResourceCodec.ToJson(peer));
    }

    public static TheoryData<string, string> BadDocuments => new()
    {
        { Peer("{enabled: true, minRxMs: 9}"), "spec.bfd.minRxMs: 9 is not a BFD interval (10-60000 ms)" },
        { Peer("{enabled: true, minTxMs: 60001}"), "spec.bfd.minTxMs: 60001 is not a BFD interval (10-60000 ms)" },
        { Peer("{enabled: true, multiplier: 0}"), "spec.bfd.multiplier: 0 is not a detect multiplier (1-255)" },
        { Peer("{enabled: true, multiplier: 256}"), "spec.bfd.multiplier: 256 is not a detect multiplier (1-255)" },
        { Peer("{enabled: yes please}"), "spec.bfd.enabled" },
        { Peer("{enabled: true, interval: 100}"), "spec.bfd.interval: unknown field" },
        { Config("{enabled: true, minRxMs: 0}"), "spec.bfd.minRxMs: 0 is not a BFD interval" },
    };

    [Theory]
    [MemberData(nameof(BadDocuments))]
    public void Bad_timers_are_refused_naming_the_field(string yaml, string expected)
    {
        var e = Assert.Throws<ResourceFormatException>(() => ResourceCodec.Parse(yaml, "bfd.yaml"));
        Assert.Contains(expected, e.Message);
    }
}
