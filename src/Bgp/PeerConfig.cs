using System.Net;

namespace L3Net.Bgp;

/// <summary>One neighbour. Two configs are the same session when <see cref="Address"/> and <see cref="Port"/> match;
/// any other difference restarts that session only.</summary>
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
    /// <summary>Cease (RFC 4486 subcode 1) when the peer sends more accepted prefixes than this.</summary>
    public int? MaxPrefixes { get; init; }
    /// <summary>Send routes to this peer with their original next hop instead of ours.</summary>
    public bool KeepOriginalNextHop { get; init; }
    /// <summary>Prefixes accepted from this peer (a route is accepted when one of these contains it); null accepts all.</summary>
    public IReadOnlyList<IPNetwork>? ImportFilter { get; init; }
    /// <summary>Own prefixes announced to this peer (same matching); null announces all originated prefixes.</summary>
    public IReadOnlyList<IPNetwork>? ExportFilter { get; init; }
    /// <summary>Wait for the peer to connect; never connect out.</summary>
    public bool Passive { get; init; }
    /// <summary>BFD asked for this neighbour (RFC 5882): the node runs the session and calls
    /// <see cref="BgpSpeaker.HoldDown"/>; the speaker only carries it. Not part of <see cref="Equals(PeerConfig?)"/>:
    /// a BFD timer change must not restart the BGP session.</summary>
    public BfdRequest? Bfd { get; init; }

    public bool Equals(PeerConfig? other) => other is not null && Address.Equals(other.Address) && Port == other.Port
        && RemoteAs == other.RemoteAs && Password == other.Password && TtlSecurity == other.TtlSecurity && Multihop == other.Multihop
        && Equals(SourceAddress, other.SourceAddress) && RouteReflectorClient == other.RouteReflectorClient && PeerType == other.PeerType
        && MaxPrefixes == other.MaxPrefixes && KeepOriginalNextHop == other.KeepOriginalNextHop && Passive == other.Passive
        && SameList(ImportFilter, other.ImportFilter) && SameList(ExportFilter, other.ExportFilter);

    public override int GetHashCode() => HashCode.Combine(Address, Port, RemoteAs);

    private static bool SameList(IReadOnlyList<IPNetwork>? a, IReadOnlyList<IPNetwork>? b)
        => a is null ? b is null : b is not null && a.SequenceEqual(b);
}

/// <summary>BFD timers for one neighbour, as configured (milliseconds; multiplier 1-255).</summary>
public sealed record BfdRequest(int MinRxMs, int MinTxMs, int Multiplier);
