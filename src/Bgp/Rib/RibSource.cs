using System.Net;

namespace L3Net.Bgp.Rib;

/// <summary>
/// Where routes come from: one Established session's Adj-RIB-In, or the local origin (the prefixes this node owns).
/// Its routes live in the RIB's one prefix table (<see cref="RibEngine"/>), tagged with <see cref="Id"/>; the source keeps
/// only their counts.
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
    /// <summary>The number the RIB's entries know this source by, while it is in the RIB.</summary>
    public ushort Id { get; set; }
    /// <summary>Routes in the RIB from this source: its Adj-RIB-In size (accepted prefixes).</summary>
    public int Accepted { get; set; }
    /// <summary>How many of them are kept from a previous session while the peer restarts (RFC 4724 helper); swept at
    /// End-of-RIB or when the restart time is over.</summary>
    public int Stale { get; set; }

    public static RibSource Local(IPAddress routerId, uint localAs)
        => new(routerId, localAs, ibgp: false, routeReflectorClient: false, local: true);
}
