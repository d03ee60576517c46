using System.Net;
using System.Net.Sockets;
using L3Net.Bgp.Policy;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>The BGPFilter matcher, against the BIRD expressions Calico's confd writes for each rule:
/// <c>net = C</c>, <c>net != C</c>, <c>net ~ C</c>, <c>net ~ [ C{min,max} ]</c>, <c>net !~ …</c>, and
/// <c>source ~ [ RTS_BGP ]</c> for <c>source: RemotePeers</c>.</summary>
public sealed class RouteFilterTests
{
    private static FilterRule Rule(string? cidr, PrefixMatch match, FilterAction action = FilterAction.Reject,
        int? min = null, int? max = null, bool learnedOnly = false) => new()
    {
        Family = cidr?.Contains(':') == true ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
        Cidr = cidr is null ? null : IPNetwork.Parse(cidr),
        Match = match,
        MinLength = min,
        MaxLength = max,
        LearnedOnly = learnedOnly,
        Action = action,
    };

    private static FilterAction? Decide(FilterRule rule, string prefix, bool learned = true)
        => new RouteFilter([rule]).Evaluate(Prefix.Parse(prefix), learned);

    [Theory]
    [InlineData("10.0.0.0/16", true)]
    [InlineData("10.0.0.0/17", false)] // inside, but not the very prefix
    [InlineData("10.0.0.0/15", false)]
    [InlineData("10.1.0.0/16", false)]
    public void Equal_is_the_very_prefix_and_NotEqual_everything_else(string prefix, bool equal)
    {
        Assert.Equal(equal ? FilterAction.Reject : null, Decide(Rule("10.0.0.0/16", PrefixMatch.Equal), prefix));
        Assert.Equal(equal ? null : FilterAction.Reject, Decide(Rule("10.0.0.0/16", PrefixMatch.NotEqual), prefix));
    }

    [Theory]
    [InlineData("10.0.0.0/16", true)]
    [InlineData("10.0.3.0/24", true)]
    [InlineData("10.0.3.7/32", true)]
    [InlineData("10.0.0.0/15", false)] // shorter than the cidr: contains it, is not in it
    [InlineData("10.1.0.0/24", false)]
    public void In_is_any_prefix_inside_the_cidr_at_least_as_long_and_NotIn_the_rest(string prefix, bool inside)
    {
        Assert.Equal(inside ? FilterAction.Reject : null, Decide(Rule("10.0.0.0/16", PrefixMatch.In), prefix));
        Assert.Equal(inside ? null : FilterAction.Reject, Decide(Rule("10.0.0.0/16", PrefixMatch.NotIn), prefix));
    }

    [Theory]
    [InlineData("10.0.0.0/16", false)]
    [InlineData("10.0.0.0/23", false)]
    [InlineData("10.0.0.0/24", true)]
    [InlineData("10.0.0.0/26", true)]
    [InlineData("10.0.0.0/27", false)]
    public void A_prefix_length_range_narrows_In_to_those_lengths(string prefix, bool matches)
        => Assert.Equal(matches ? FilterAction.Reject : null, Decide(Rule("10.0.0.0/16", PrefixMatch.In, min: 24, max: 26), prefix));

    [Fact]
    public void A_min_below_the_cidrs_own_length_is_the_cidrs_length_as_in_Calico()
    {
        var rule = Rule("10.0.0.0/16", PrefixMatch.In, min: 8);
        Assert.Null(Decide(rule, "10.0.0.0/12"));
        Assert.Equal(FilterAction.Reject, Decide(rule, "10.0.0.0/16"));
    }

    [Fact]
    public void A_rule_without_cidr_matches_every_prefix_of_its_family_only()
    {
        var v6 = Rule(null, PrefixMatch.In) with { Family = AddressFamily.InterNetworkV6 };
        Assert.Equal(FilterAction.Reject, Decide(v6, "fd00:1::/64"));
        Assert.Null(Decide(v6, "10.0.0.0/24"));
        Assert.Null(Decide(Rule("fd00::/8", PrefixMatch.NotIn), "10.0.0.0/24")); // a v6 NotIn says nothing of IPv4
    }

    [Fact]
    public void RemotePeers_matches_learned_routes_not_the_nodes_own()
    {
        var rule = Rule("10.0.0.0/8", PrefixMatch.In, FilterAction.Accept, learnedOnly: true);
        Assert.Equal(FilterAction.Accept, Decide(rule, "10.1.0.0/16", learned: true));
        Assert.Null(Decide(rule, "10.1.0.0/16", learned: false));
    }

    [Fact]
    public void The_first_matching_rule_decides_and_no_match_leaves_the_default()
    {
        var filter = new RouteFilter(
        [
            Rule("10.0.1.0/24", PrefixMatch.Equal, FilterAction.Accept),
            Rule("10.0.0.0/16", PrefixMatch.In, FilterAction.Reject),
            Rule("10.0.1.0/24", PrefixMatch.Equal, FilterAction.Reject), // never reached for 10.0.1.0/24
        ]);
        Assert.Equal(FilterAction.Accept, filter.Evaluate(Prefix.Parse("10.0.1.0/24"), learned: true));
        Assert.Equal(FilterAction.Reject, filter.Evaluate(Prefix.Parse("10.0.2.0/24"), learned: true));
        Assert.Null(filter.Evaluate(Prefix.Parse("192.0.2.0/24"), learned: true));
        Assert.Null(RouteFilter.None.Evaluate(Prefix.Parse("10.0.1.0/24"), learned: true));
    }

    [Fact]
    public void Filters_compare_by_their_rules()
    {
        var a = new RouteFilter([Rule("10.0.0.0/16", PrefixMatch.In), Rule(null, PrefixMatch.In, FilterAction.Accept)]);
        var b = new RouteFilter([Rule("10.0.0.0/16", PrefixMatch.In), Rule(null, PrefixMatch.In, FilterAction.Accept)]);
        var other = new RouteFilter([Rule("10.0.0.0/16", PrefixMatch.In)]);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, other);
        Assert.Equal(RouteFilter.None, new RouteFilter([]));
    }
}
