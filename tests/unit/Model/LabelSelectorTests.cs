using L3Net.Model.Resources;
using L3Net.Model.Selectors;
using Xunit;

namespace L3Net.Tests.Unit.Model;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Rack1 = new() { ["rack"] = "r1", ["zone"] = "a", ["role"] = "tor-peer" };

    [Theory]
    [InlineData("", true)]
    [InlineData("all()", true)]
    [InlineData("rack == 'r1'", true)]
    [InlineData("rack == \"r2\"", false)]
    [InlineData("rack != 'r2'", true)]
    [InlineData("missing != 'x'", true)]
    [InlineData("has(zone) && rack == 'r1'", true)]
    [InlineData("!has(zone)", false)]
    [InlineData("rack == 'r2' || zone in {'a', 'b'}", true)]
    [InlineData("zone not in {'a'}", false)]
    [InlineData("missing not in {'a'}", true)]
    [InlineData("!(rack == 'r1' && zone == 'b')", true)]
    [InlineData("role contains 'peer' && role starts with 'tor' && role ends with 'er'", true)]
    public void Matches_like_calico(string selector, bool expected)
        => Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Rack1));

    [Theory]
    [InlineData("rack = 'r1'", "expected an operator after 'rack'")]
    [InlineData("rack == r1", "expected a quoted value at position 8")]
    [InlineData("has(rack", "expected ')'")]
    [InlineData("rack == 'r1' &&", "expected a label key")]
    [InlineData("rack == 'r1' extra", "unexpected text")]
    public void Bad_selectors_say_what_was_expected(string selector, string expected)
        => Assert.Contains(expected, Assert.Throws<FormatException>(() => LabelSelector.Parse(selector)).Message);

    [Theory]
    [InlineData("64512", 64512u)]
    [InlineData("4294967295", 4294967295u)]
    [InlineData("1.10", 65546u)]
    public void Asn_parses_plain_and_dotted(string text, uint expected) => Assert.Equal(expected, Asn.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("4294967296")]
    [InlineData("65536.1")]
    [InlineData("-1")]
    public void Asn_refuses_zero_and_out_of_range(string text) => Assert.False(Asn.TryParse(text, out _));

    [Fact]
    public void Kinds_resolve_by_name_plural_and_short_name()
    {
        Assert.Same(ResourceKinds.Resolve("ipp"), ResourceKinds.Resolve("IPPools"));
        Assert.Equal(typeof(NodeResource), ResourceKinds.Resolve("node").ClrType);
        Assert.True(ResourceKinds.Resolve("wep").Namespaced);
        Assert.Equal("/l3net/workloadendpoints/ns/n", ResourceKinds.Of<WorkloadEndpoint>().Key("n", "ns"));
        Assert.Null(ResourceKinds.TryResolve("pods"));
    }
}
