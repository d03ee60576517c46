using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>BGP settings: the one named <c>default</c> is cluster-wide, <c>node.NAME</c> overrides it for one node.</summary>
public sealed class BGPConfiguration : Resource<BGPConfigurationSpec>
{
    public const string DefaultName = "default";

    public override string Kind => "BGPConfiguration";

    public static string NodeName(string node) => "node." + node;

    public const int DefaultListenPort = 179;

    /// <summary>The port <paramref name="node"/> listens on: its own <c>node.NAME</c> configuration's listenPort, else the
    /// cluster's, else 179.</summary>
    public static int ListenPortOf(string node, IEnumerable<BGPConfiguration> configs)
    {
        var all = configs.ToList();
        return all.FirstOrDefault(c => c.Metadata.Name == NodeName(node))?.Spec.ListenPort
               ?? all.FirstOrDefault(c => c.Metadata.Name == DefaultName)?.Spec.ListenPort
               ?? DefaultListenPort;
    }
}

public sealed class BGPConfigurationSpec
{
    /// <summary>Cluster AS number (plain or dotted); null means <see cref="Asn.Default"/>.</summary>
    public string? AsNumber { get; set; }

    public bool? NodeToNodeMeshEnabled { get; set; } = true;

    /// <summary>The port the node's speaker listens on, and that its peers connect to (null: 179).</summary>
    public int? ListenPort { get; set; }

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

    /// <summary>Parses <c>AA:NN</c> (standard, RFC 1997: two 16-bit numbers) or <c>AA:NN:NN</c> (large, RFC 8092: three
    /// 32-bit numbers) into its numbers.</summary>
    public static bool TryParse(string? text, out uint[] parts)
    {
        parts = [];
        var fields = (text ?? "").Split(':');
        if (fields.Length is not (2 or 3))
            return false;
        var max = fields.Length == 2 ? ushort.MaxValue : uint.MaxValue;
        var values = new uint[fields.Length];
        for (var i = 0; i < fields.Length; i++)
            if (fields[i].Length == 0 || !fields[i].All(char.IsAsciiDigit)
                || !uint.TryParse(fields[i], System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] > max)
                return false;
        parts = values;
        return true;
    }
}

/// <summary>Communities attached to routes inside <c>cidr</c>; entries are community names or literal values.</summary>
public sealed class PrefixAdvertisement
{
    public string Cidr { get; set; } = "";
    public List<string> Communities { get; set; } = [];

    /// <summary>The community values of this advertisement: a name resolves through <paramref name="named"/> (Calico's
    /// <c>spec.communities</c>), anything else is a literal. Null for an entry that is neither (validation refuses it).</summary>
    public IEnumerable<uint[]?> Values(IEnumerable<Community>? named)
    {
        var byName = (named ?? []).GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First().Value);
        foreach (var entry in Communities)
            yield return Community.TryParse(byName.GetValueOrDefault(entry, entry), out var parts) ? parts : null;
    }
}

public sealed class CidrEntry
{
    public string Cidr { get; set; } = "";
}
