using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>A cluster node as BGP sees it (Kind "Node"; the class name avoids a clash with the L3Net.Node
/// namespace). Node labels live in <c>Metadata.Labels</c> and are what selectors match.</summary>
public sealed class NodeResource : Resource<NodeSpec>
{
    public override string Kind => "Node";
}

public sealed class NodeSpec
{
    public NodeBgpSpec? Bgp { get; set; }
}

public sealed class NodeBgpSpec
{
    /// <summary>The node's IPv4 address with prefix length, e.g. <c>10.0.1.2/24</c>; the BGP router ID and peering address.</summary>
    public string? Ipv4Address { get; set; }

    public string? Ipv6Address { get; set; }

    /// <summary>Overrides the cluster AS number for this node (plain or dotted, see <see cref="Asn"/>).</summary>
    public string? AsNumber { get; set; }

    /// <summary>Set on route reflectors: the RFC 4456 cluster ID (an IPv4-formatted string).</summary>
    [JsonPropertyName("routeReflectorClusterID")]
    public string? RouteReflectorClusterId { get; set; }
}
