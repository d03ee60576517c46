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

    /// <summary>The graceful-restart time this node advertises to the peer (how long the peer keeps our routes while we
    /// restart), a Go-style duration, e.g. <c>120s</c>; at most 4095 s, the capability's field.</summary>
    public string? MaxRestartTime { get; set; }

    /// <summary>Seconds between KEEPALIVEs on this peer's sessions (Calico's <c>keepaliveTime</c>), a duration;
    /// at most a third of the negotiated hold time.</summary>
    public string? KeepaliveTime { get; set; }

    /// <summary>The hold time offered in our OPEN to this peer, a duration: 0 (no keepalives) or 3 s to 65535 s.</summary>
    public string? HoldTime { get; set; }

    /// <summary><c>UseNodeIP</c> (default) or <c>None</c>.</summary>
    public string? SourceAddress { get; set; }

    /// <summary>GTSM (RFC 5082): the maximum hop count to the peer.</summary>
    public int? TtlSecurity { get; set; }

    /// <summary>An L3Net extension (Calico has no such field; BIRD's <c>import limit</c>): the most prefixes this peer may
    /// have accepted (after the import filters); beyond it <see cref="MaxPrefixesAction"/>.</summary>
    public int? MaxPrefixes { get; set; }

    /// <summary>L3Net extension, with <see cref="MaxPrefixes"/>: <c>Restart</c> (default: end the session with a Cease and
    /// connect again after <see cref="MaxPrefixesRestartTime"/>), <c>Warn</c> (log it, keep the session) or <c>Disable</c>
    /// (end the session and stay down until the BGPPeer changes).</summary>
    public string? MaxPrefixesAction { get; set; }

    /// <summary>L3Net extension, with the Restart action: how long the session stays down, a duration (default: the
    /// connect retry time, backed off).</summary>
    public string? MaxPrefixesRestartTime { get; set; }

    /// <summary>Names of BGPFilter resources, applied in this order (the first rule that matches, across them, decides).
    /// A name with no BGPFilter behind it is skipped, as Calico does, and applies once the filter is created.</summary>
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
