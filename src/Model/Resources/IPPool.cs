using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>A range pods take addresses from, split into blocks that nodes claim (see src/Ipam).</summary>
public sealed class IPPool : Resource<IPPoolSpec>
{
    public override string Kind => "IPPool";
}

public sealed class IPPoolSpec
{
    /// <summary>IPv4 or IPv6 CIDR, e.g. <c>10.244.0.0/16</c>.</summary>
    public string Cidr { get; set; } = "";

    /// <summary>Prefix length of the blocks nodes claim; null means the default (26 for IPv4, 122 for IPv6).</summary>
    public int? BlockSize { get; set; }

    /// <summary>Masquerade pod traffic leaving all pools.</summary>
    public bool NatOutgoing { get; set; }

    /// <summary>A disabled pool gives no new addresses but keeps the assigned ones.</summary>
    public bool Disabled { get; set; }

    /// <summary>Label selector (Calico syntax, e.g. <c>rack == 'r1'</c> or <c>all()</c>) choosing the nodes that may
    /// claim blocks from this pool; null or empty means all nodes.</summary>
    public string? NodeSelector { get; set; }

    /// <summary>Do not advertise this pool's blocks over BGP.</summary>
    [JsonPropertyName("disableBGPExport")]
    public bool DisableBgpExport { get; set; }

    /// <summary>What the addresses may be used for: <c>Workload</c> (pods; the default) and <c>Tunnel</c> (tunnel
    /// devices, which L3Net never creates, so a Tunnel-only pool hands out nothing, as in Calico without overlay).</summary>
    public List<string> AllowedUses { get; set; } = ["Workload"];

    /// <summary><c>Automatic</c> (default): pods get addresses from this pool unasked. <c>Manual</c>: only pods
    /// (or CNI configs) that name the pool get its addresses.</summary>
    public string? AssignmentMode { get; set; }

    /// <summary>Calico's IP-in-IP overlay. L3Net routes pod addresses natively, so only <c>Never</c> is accepted (and
    /// kept so Calico manifests round-trip).</summary>
    [JsonPropertyName("ipipMode")]
    public string? IpIpMode { get; set; }

    /// <summary>Calico's VXLAN overlay: only <c>Never</c>, as for <see cref="IpIpMode"/>.</summary>
    [JsonPropertyName("vxlanMode")]
    public string? VxlanMode { get; set; }
}
