using System.Net;
using System.Net.Sockets;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Policy;

public enum FilterAction
{
    Accept,
    Reject,
}

/// <summary>How a route's prefix is compared with a rule's cidr, as Calico's BGPFilter <c>matchOperator</c> (BIRD's
/// <c>=</c>, <c>!=</c>, <c>~</c>, <c>!~</c>).</summary>
public enum PrefixMatch
{
    Equal,
    NotEqual,
    In,
    NotIn,
}

/// <summary>
/// One rule of a BGPFilter, for one family. With a <see cref="Cidr"/> it matches by <see cref="Match"/>: Equal is the
/// very prefix; In is any prefix inside the cidr at least as long, and with <see cref="MinLength"/> /
/// <see cref="MaxLength"/> only lengths in that range (never shorter than the cidr, never longer than the family's
/// maximum: Calico's <c>cidr{min,max}</c> set); NotEqual and NotIn are their negations. Without a cidr it matches every
/// prefix of its family. <see cref="LearnedOnly"/> (Calico's <c>source: RemotePeers</c>) narrows it to routes learned
/// from a BGP peer, not the ones this node originates.
/// </summary>
public sealed record FilterRule
{
    public required AddressFamily Family { get; init; }
    public IPNetwork? Cidr { get; init; }
    public PrefixMatch Match { get; init; } = PrefixMatch.In;
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public bool LearnedOnly { get; init; }
    public required FilterAction Action { get; init; }
}

/// <summary>
/// An ordered list of rules, the filters of one direction of one peer concatenated in the order the peer names them:
/// the first rule that matches decides (Calico runs each BGPFilter's function in turn, and the first accept or reject
/// ends the filter). No match leaves the route to the speaker's default: on import it is accepted, on export the
/// speaker sends what it would send without filters. Compared by value, so that sessions with the same filters share
/// their encoded UPDATEs and an unchanged filter is not re-applied.
/// </summary>
public sealed class RouteFilter : IEquatable<RouteFilter>
{
    public static readonly RouteFilter None = new([]);

    private readonly CompiledRule[] _rules;

    public RouteFilter(IEnumerable<FilterRule> rules)
    {
        Rules = [.. rules];
        _rules = [.. Rules.Select(CompiledRule.From)];
    }

    public IReadOnlyList<FilterRule> Rules { get; }

    public bool IsEmpty => _rules.Length == 0;

    /// <summary>The action of the first rule that matches <paramref name="prefix"/>, or null when none does.</summary>
    /// <param name="learned">The route came from a BGP peer (not originated by this node).</param>
    public FilterAction? Evaluate(Prefix prefix, bool learned)
    {
        foreach (var rule in _rules)
            if (rule.Matches(prefix, learned))
                return rule.Action;
        return null;
    }

    public bool Equals(RouteFilter? other) => other is not null && Rules.SequenceEqual(other.Rules);
    public override bool Equals(object? obj) => obj is RouteFilter f && Equals(f);
    public override int GetHashCode() => Rules.Count == 0 ? 0 : HashCode.Combine(Rules.Count, Rules[0]);

    /// <summary>A rule in the RIB's own prefix form: a match is a few integer comparisons.</summary>
    private readonly record struct CompiledRule(Afi Family, Prefix? Cidr, PrefixMatch Match, int Min, int Max, bool LearnedOnly, FilterAction Action)
    {
        public static CompiledRule From(FilterRule r)
        {
            var family = r.Family == AddressFamily.InterNetwork ? Afi.IPv4 : Afi.IPv6;
            var longest = family == Afi.IPv4 ? 32 : 128;
            Prefix? cidr = r.Cidr is { } c ? Prefix.FromNetwork(c) : null;
            var min = Math.Max(cidr?.Length ?? 0, r.MinLength ?? 0);
            var max = Math.Min(longest, r.MaxLength ?? longest);
            return new CompiledRule(family, cidr, r.Match, min, max, r.LearnedOnly, r.Action);
        }

        public bool Matches(Prefix prefix, bool learned)
        {
            if (prefix.Afi != Family || (LearnedOnly && !learned))
                return false;
            if (Cidr is not { } cidr)
                return true;
            return Match switch
            {
                PrefixMatch.Equal => prefix == cidr,
                PrefixMatch.NotEqual => prefix != cidr,
                PrefixMatch.In => Inside(cidr, prefix),
                _ => !Inside(cidr, prefix),
            };
        }

        private bool Inside(Prefix cidr, Prefix prefix) => cidr.Contains(prefix) && prefix.Length >= Min && prefix.Length <= Max;
    }
}
