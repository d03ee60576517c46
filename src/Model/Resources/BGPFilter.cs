namespace L3Net.Model.Resources;

/// <summary>
/// Route policy per BGP peer, Calico's <c>BGPFilter</c>: ordered rules for the routes imported from and exported to the
/// peers whose BGPPeer <c>filters</c> name it. The first rule that matches decides; a route no rule matches gets the
/// default (imported; exported if the node would export it anyway). L3Net implements the rule fields <c>cidr</c>,
/// <c>matchOperator</c>, <c>prefixLength</c>, <c>source</c> and <c>action</c>; Calico's others (<c>interface</c>,
/// <c>peerType</c>, <c>communities</c>, <c>asPathPrefix</c>, <c>priority</c>, <c>operations</c>) are refused by name.
/// </summary>
public sealed class BGPFilter : Resource<BGPFilterSpec>
{
    public override string Kind => "BGPFilter";
}

public sealed class BGPFilterSpec
{
    public List<BGPFilterRule>? ExportV4 { get; set; }
    public List<BGPFilterRule>? ImportV4 { get; set; }
    public List<BGPFilterRule>? ExportV6 { get; set; }
    public List<BGPFilterRule>? ImportV6 { get; set; }
}

/// <summary>One rule (Calico's BGPFilterRuleV4/V6: the same fields, the family given by the list it is in).</summary>
public sealed class BGPFilterRule
{
    /// <summary>Matched as <see cref="MatchOperator"/> says; both set or neither (a rule without matches every route).</summary>
    public string? Cidr { get; set; }

    /// <summary><c>Equal</c>, <c>NotEqual</c>, <c>In</c> or <c>NotIn</c>.</summary>
    public string? MatchOperator { get; set; }

    /// <summary>With <c>In</c>/<c>NotIn</c>: the prefix lengths inside the cidr that match (default: the cidr's own to the
    /// family's longest).</summary>
    public BGPFilterPrefixLength? PrefixLength { get; set; }

    /// <summary><c>RemotePeers</c>: only routes learned from a BGP peer (on export, not the node's own prefixes).</summary>
    public string? Source { get; set; }

    /// <summary><c>Accept</c> or <c>Reject</c>.</summary>
    public string Action { get; set; } = "";
}

public sealed class BGPFilterPrefixLength
{
    public int? Min { get; set; }
    public int? Max { get; set; }
}
