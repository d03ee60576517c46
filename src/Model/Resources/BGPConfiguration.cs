using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>BGP settings: the one named <c>default</c> is cluster-wide, <c>node.NAME</c> overrides it for one node.</summary>
public sealed class BGPConfiguration : Resource<BGPConfigurationSpec>
{
    public const string DefaultName = "default";

    public override string Kind => "BGPConfiguration";

    public static string NodeName(string node) => "node." + node;
}

public sealed class BGPConfigurationSpec
{
    /// <summary>Cluster AS number (plain or dotted); null means <see cref="Asn.Default"/>.</summary>
    public string? AsNumber { get; set; }

    public bool? NodeToNodeMeshEnabled { get; set; } = true;

    public int? ListenPort { get; set; } = 179;

    /// <summary>Named as in Calico so its manifests apply unchanged.</summary>
    [JsonPropertyName("logSeverityScreen")]
    public string? LogSeverity { get; set; }

    public List<Community>? Communities { get; set; }
    public List<PrefixAdvertisement>? PrefixAdvertisements { get; set; }

    [JsonPropertyName("serviceClusterIPs")]
    public List<CidrEntry>? ServiceClusterIps { get; set; }

    [JsonPropertyName("serviceExternalIPs")]
    public List<CidrEntry>? ServiceExternalIps { get; set; }

    [JsonPropertyName("serviceLoadBalancerIPs")]
    public List<CidrEntry>? ServiceLoadBalancerIps { get; set; }

    /// <summary>BFD beside every node-to-node mesh session (see <see cref="BgpBfdSpec"/>).</summary>
    public BgpBfdSpec? Bfd { get; set; }
}

/// <summary>A named BGP community, <c>value</c> as <c>AA:NN</c> (standard) or <c>AA:NN:NN</c> (large).</summary>
public sealed class Community
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}

/// <summary>Communities attached to routes inside <c>cidr</c>; entries are community names or literal values.</summary>
public sealed class PrefixAdvertisement
{
    public string Cidr { get; set; } = "";
    public List<string> Communities { get; set; } = [];
}

public sealed class CidrEntry
{
    public string Cidr { get; set; } = "";
}
