using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>An explicit BGP peering: with an external router (<c>peerIP</c>) or with the nodes a
/// <c>peerSelector</c> picks, from all nodes, one <c>node</c>, or the nodes a <c>nodeSelector</c> picks.</summary>
public sealed class BGPPeer : Resource<BGPPeerSpec>
{
    public override string Kind => "BGPPeer";
}

public sealed class BGPPeerSpec
{
    /// <summary><c>10.0.0.1</c>, <c>10.0.0.1:1790</c> or <c>[fd00::1]:179</c>.</summary>
    [JsonPropertyName("peerIP")]
    public string? PeerIp { get; set; }

    public string? AsNumber { get; set; }
    public string? Node { get; set; }
    public string? NodeSelector { get; set; }
    public string? PeerSelector { get; set; }
    public BgpPassword? Password { get; set; }
    public bool? KeepOriginalNextHop { get; set; }

    /// <summary>Graceful-restart time as a Go-style duration, e.g. <c>120s</c>.</summary>
    public string? MaxRestartTime { get; set; }

    /// <summary><c>UseNodeIP</c> (default) or <c>None</c>.</summary>
    public string? SourceAddress { get; set; }

    /// <summary>GTSM (RFC 5082): the maximum hop count to the peer.</summary>
    public int? TtlSecurity { get; set; }

    public int? MaxPrefixes { get; set; }

    /// <summary>Import filter: prefixes accepted from this peer (CIDRs; a route matches when inside one).</summary>
    public List<string>? Filters { get; set; }

    /// <summary>BFD beside the BGP session (see <see cref="BgpBfdSpec"/>).</summary>
    public BgpBfdSpec? Bfd { get; set; }
}

/// <summary>The TCP MD5 password: a reference to a Kubernetes secret, or (lab and tests) an inline value.
/// <see cref="ToString"/> never shows the value.</summary>
public sealed class BgpPassword
{
    public SecretKeyRef? SecretKeyRef { get; set; }
    public string? Value { get; set; }

    public override string ToString() => SecretKeyRef is { } r ? $"secret {r.Name}/{r.Key}" : "(inline value)";
}

public sealed class SecretKeyRef
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
}
