using System.Net;
using L3Net.Bgp.Policy;

namespace L3Net.Bgp;

/// <summary>One neighbour. Two configs are the same session when <see cref="Address"/> and <see cref="Port"/> match;
/// a difference in route policy (<see cref="SamePolicy"/>) is applied to the live session, any other difference
/// restarts that session only.</summary>
public sealed record PeerConfig
{
    public required IPAddress Address { get; init; }
    public int Port { get; init; } = 179;
    public required uint RemoteAs { get; init; }
    /// <summary>TCP MD5 signature key (RFC 2385); null for none.</summary>
    public string? Password { get; init; }
    /// <summary>GTSM (RFC 5082): the peer is at most this many hops away; we send with TTL 255 and require
    /// received TTL >= 256 - hops. Null disables it.</summary>
    public int? TtlSecurity { get; init; }
    /// <summary>TTL for eBGP multihop; null leaves the system default.</summary>
    public int? Multihop { get; init; }
    public IPAddress? SourceAddress { get; init; }
    public bool RouteReflectorClient { get; init; }
    /// <summary>"node-to-node mesh", "global" or "node specific": shown in status only.</summary>
    public string PeerType { get; init; } = "global";
    /// <summary>The most accepted prefixes (after import policy) the peer may have in our RIB; what happens beyond is
    /// <see cref="MaxPrefixesAction"/>.</summary>
    public int? MaxPrefixes { get; init; }
    public PrefixLimitAction MaxPrefixesAction { get; init; } = PrefixLimitAction.Restart;
    /// <summary>With <see cref="PrefixLimitAction.Restart"/>: how long the neighbour stays idle before it connects again;
    /// null uses the connect retry (backed off per failure).</summary>
    public TimeSpan? MaxPrefixesRestartTime { get; init; }
    /// <summary>Send routes to this peer with their original next hop instead of ours.</summary>
    public bool KeepOriginalNextHop { get; init; }
    /// <summary>The hold time our OPEN offers this peer (0: none, else at least 3 s); null uses <see cref="SpeakerOptions.HoldTime"/>.</summary>
    public TimeSpan? HoldTime { get; init; }
    /// <summary>Time between our KEEPALIVEs; null (or more than a third of the negotiated hold time) sends one every third of it.</summary>
    public TimeSpan? KeepaliveTime { get; init; }
    /// <summary>The restart time of the graceful restart capability we send this peer; null uses
    /// <see cref="SpeakerOptions.GracefulRestartTime"/>. No effect when the speaker has graceful restart off.</summary>
    public TimeSpan? GracefulRestartTime { get; init; }
    /// <summary>Wait for the peer to connect; never connect out.</summary>
    public bool Passive { get; init; }
    /// <summary>BFD asked for this neighbour (RFC 5882): the node runs the session and calls
    /// <see cref="BgpSpeaker.HoldDown"/>; the speaker only carries it. Not part of <see cref="Equals(PeerConfig?)"/>:
    /// a BFD timer change must not restart the BGP session.</summary>
    public BfdRequest? Bfd { get; init; }
    /// <summary>What we take from this peer (Calico's BGPFilter <c>importV4</c>/<c>importV6</c>, of the peer's filters in
    /// order): a rejected route stays out of the Loc-RIB, kept aside so that a filter change can take it back in.</summary>
    public RouteFilter ImportFilter { get; init; } = RouteFilter.None;
    /// <summary>What we send this peer (<c>exportV4</c>/<c>exportV6</c>): Reject keeps a route back, Accept sends a route
    /// we would not send by default (a learned one), within BGP's own rules.</summary>
    public RouteFilter ExportFilter { get; init; } = RouteFilter.None;

    /// <summary>The route policy: the filters, the prefix limit and <see cref="KeepOriginalNextHop"/>. None of it is part of
    /// <see cref="Equals(PeerConfig?)"/>: a change is applied to the live session (<see cref="BgpSpeaker.SetPeers"/>),
    /// which is not restarted for it.</summary>
    public bool SamePolicy(PeerConfig other) => ImportFilter.Equals(other.ImportFilter) && ExportFilter.Equals(other.ExportFilter)
        && MaxPrefixes == other.MaxPrefixes && MaxPrefixesAction == other.MaxPrefixesAction
        && MaxPrefixesRestartTime == other.MaxPrefixesRestartTime && KeepOriginalNextHop == other.KeepOriginalNextHop;

    public bool Equals(PeerConfig? other) => other is not null && Address.Equals(other.Address) && Port == other.Port
        && RemoteAs == other.RemoteAs && Password == other.Password && TtlSecurity == other.TtlSecurity && Multihop == other.Multihop
        && Equals(SourceAddress, other.SourceAddress) && RouteReflectorClient == other.RouteReflectorClient && PeerType == other.PeerType
        && Passive == other.Passive
        && HoldTime == other.HoldTime && KeepaliveTime == other.KeepaliveTime && GracefulRestartTime == other.GracefulRestartTime;

    public override int GetHashCode() => HashCode.Combine(Address, Port, RemoteAs);
}

/// <summary>What the speaker does when a peer goes over <see cref="PeerConfig.MaxPrefixes"/> (BIRD's <c>import limit</c>
/// actions): end the session with a Cease (RFC 4486 subcode 1) and connect again later, only log it, or end the session
/// and stay down.</summary>
public enum PrefixLimitAction
{
    Restart,
    Warn,
    Disable,
}

/// <summary>BFD timers for one neighbour, as configured (milliseconds; multiplier 1-255).</summary>
public sealed record BfdRequest(int MinRxMs, int MinTxMs, int Multiplier);
