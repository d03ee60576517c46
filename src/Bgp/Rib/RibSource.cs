using System.Net;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// Where routes come from: one Established session's Adj-RIB-In, or the local origin (the prefixes this node owns).
/// The Loc-RIB keeps only the winner per prefix; candidates are looked up here, so each route is stored once.
/// </summary>
internal sealed class RibSource(IPAddress address, uint remoteAs, bool ibgp, bool routeReflectorClient, bool local = false)
{
    public IPAddress Address { get; } = address;
    public uint RemoteAs { get; } = remoteAs;
    /// <summary>The BGP identifier of the current (or last) session: set when the OPEN arrives.</summary>
    public uint RouterId { get; set; }
    public bool IsIbgp { get; } = ibgp;
    public bool IsLocal { get; } = local;
    public bool RouteReflectorClient { get; } = routeReflectorClient;
    public Dictionary<Prefix, PathAttributes> AdjRibIn { get; } = [];
    /// <summary>Routes kept from a previous session while the peer restarts (RFC 4724 helper); swept at End-of-RIB or timeout.</summary>
    public HashSet<Prefix>? Stale { get; set; }
    /// <summary>Every prefix the peer announced, accepted or not.</summary>
    public int Received { get; set; }

    public static RibSource Local(IPAddress routerId, uint localAs)
        => new(routerId, localAs, ibgp: false, routeReflectorClient: false, local: true);
}
