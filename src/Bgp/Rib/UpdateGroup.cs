using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using L3Net.Bgp.Policy;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>What makes two sessions' exports byte-identical: sessions with equal keys share one <see cref="UpdateGroup"/>
/// and send the same encoded UPDATEs. <c>LinkLocalAddress</c> goes with our IPv6 next hop when the peer is on-link
/// (RFC 2545); <c>FourOctetAs</c> is the negotiated capability (it changes how AS_PATH is encoded); <c>Export</c> is the
/// peer's export filter (compared by value). The family is the local address's.</summary>
internal sealed record ExportKey(bool Ibgp, uint RemoteAs, IPAddress LocalAddress, bool RouteReflectorClient, bool KeepOriginalNextHop,
    IPAddress? LinkLocalAddress = null, bool FourOctetAs = true, RouteFilter? Export = null)
{
    public Afi Family => LocalAddress.AddressFamily == AddressFamily.InterNetwork ? Afi.IPv4 : Afi.IPv6;
    public RouteFilter Filter => Export ?? RouteFilter.None;
}

/// <summary>
/// The export policy for every session with the same <see cref="ExportKey"/>: which Loc-RIB routes go out and with
/// which attributes. Transformed attribute sets are computed once per (source set, source) and shared by all members,
/// so exporting a full table to many peers allocates a handful of sets, and the Adj-RIB-Out can compare by reference.
/// The group also encodes its members' UPDATEs once (see the other half of this class).
/// What goes out by default: our own prefixes to everyone; learned routes only by route reflection (RFC 4456), because
/// a node advertises what it owns and must never become transit between its top-of-rack routers unless told to. The
/// peer's export filter comes first (Calico's BGPFilter): Reject keeps a route back, Accept sends it even when the
/// default would not (a learned route to an eBGP peer, say), except that an iBGP route still goes to an iBGP peer
/// only by reflection (RFC 4271 9.2; BIRD checks this before any filter too).
/// </summary>
internal sealed partial class UpdateGroup(ExportKey key, uint localAs, uint? clusterId, object ribLock)
{
    private const int MaxCached = 65536;
    private readonly Dictionary<SourceKey, ExportedRoute> _cache = [];

    public ExportKey Key { get; } = key;

    /// <summary>Whether any learned route can go to this group: by route reflection, or by an export filter that
    /// accepts it. Otherwise the group gets our own prefixes only (see <see cref="Select"/>).</summary>
    public bool ExportsLearned { get; } = !key.Filter.IsEmpty || (clusterId is not null && key.Ibgp);

    /// <summary>What this group's peers should have for <paramref name="prefix"/> given the Loc-RIB winner (null: none).
    /// A member does not get its own routes back: <see cref="RibMember.Select"/> and the chunks' segments see to that.</summary>
    public ExportedRoute? Select(Prefix prefix, Candidate? best)
    {
        if (best is not { } c || prefix.Afi != Key.Family)
            return null;
        if (!Key.Ibgp && c.Attributes.AsPath.Contains(Key.RemoteAs))
            return null; // the peer would drop it as a loop anyway
        if (Key.Filter.IsEmpty)
            return Export(c.Source, c.Attributes);
        return Key.Filter.Evaluate(prefix, learned: !c.Source.IsLocal) switch
        {
            FilterAction.Reject => null,
            FilterAction.Accept => c.Source.IsLocal || !(Key.Ibgp && c.Source.IsIbgp) || Reflects(c.Source) ? Transformed(c.Source, c.Attributes) : null,
            _ => Export(c.Source, c.Attributes),
        };
    }

    /// <summary>The attributes to send for a route by default (no filter decided), or null when this group does not get it.</summary>
    public ExportedRoute? Export(RibSource source, PathAttributes a)
        => source.IsLocal || Reflects(source) ? Transformed(source, a) : null;

    private ExportedRoute Transformed(RibSource source, PathAttributes a)
    {
        var cacheKey = new SourceKey(a, source);
        if (_cache.TryGetValue(cacheKey, out var cached))
            return cached;
        var result = new ExportedRoute(Transform(source, a), source);
        if (_cache.Count >= MaxCached)
            _cache.Clear();
        _cache[cacheKey] = result;
        return result;
    }

    /// <summary>RFC 4456 6: client routes go to everyone internal; non-client routes to clients only.</summary>
    private bool Reflects(RibSource source)
        => clusterId is not null && Key.Ibgp && source.IsIbgp && (source.RouteReflectorClient || Key.RouteReflectorClient);

    private PathAttributes Transform(RibSource source, PathAttributes a)
    {
        var keepNextHop = Key.KeepOriginalNextHop && a.NextHop is not null;
        if (!Key.Ibgp)
            return a with
            {
                AsPath = a.AsPath.Prepend(localAs),
                NextHop = keepNextHop ? a.NextHop : Key.LocalAddress,
                LinkLocalNextHop = keepNextHop ? null : Key.LinkLocalAddress,
                LocalPref = null,
                Med = source.IsLocal ? a.Med : null, // a MED learned from one AS is not passed to another
                OriginatorId = null,
                ClusterList = default,
            };
        if (source.IsLocal)
            return a with
            {
                NextHop = keepNextHop ? a.NextHop : Key.LocalAddress,
                LinkLocalNextHop = keepNextHop ? null : Key.LinkLocalAddress,
                LocalPref = a.LocalPref ?? BestPath.DefaultLocalPref,
            };
        // An external route an export filter accepted for an internal peer: its next hop stays (RFC 4271 5.1.3), but not
        // a link-local one, valid only on the link it came from.
        if (!source.IsIbgp)
            return a with
            {
                LinkLocalNextHop = null,
                LocalPref = a.LocalPref ?? BestPath.DefaultLocalPref,
            };
        // Reflected: the originator's global next hop stays; its link-local one is valid only on the originator's link,
        // which the client may not share (RFC 2545 3), so it is dropped.
        return a with
        {
            LinkLocalNextHop = null,
            LocalPref = a.LocalPref ?? BestPath.DefaultLocalPref,
            OriginatorId = a.OriginatorId ?? source.RouterId,
            ClusterList = new ValueArray<uint>([clusterId!.Value, .. a.ClusterList.Span]),
        };
    }

    /// <summary>Identity key: interned sets and sources compare by reference, which is both correct and cheap here.</summary>
    private readonly struct SourceKey(PathAttributes attributes, RibSource source) : IEquatable<SourceKey>
    {
        private readonly PathAttributes _attributes = attributes;
        private readonly RibSource _source = source;

        public bool Equals(SourceKey other) => ReferenceEquals(_attributes, other._attributes) && ReferenceEquals(_source, other._source);
        public override bool Equals(object? obj) => obj is SourceKey k && Equals(k);
        public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(_attributes), RuntimeHelpers.GetHashCode(_source));
    }
}
