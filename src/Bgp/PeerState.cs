using System.Net;

namespace L3Net.Bgp;

/// <summary>RFC 4271 8.2.2 session states.</summary>
public enum BgpState
{
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

/// <summary>A snapshot of one neighbour for status output (like <c>birdc show protocols</c>).</summary>
public sealed record PeerState(
    IPAddress Address,
    string PeerType,
    BgpState State,
    DateTimeOffset Since,
    string? Info,
    int PrefixesReceived,
    int PrefixesAccepted,
    int PrefixesAdvertised);

/// <summary>A Loc-RIB change for a learned prefix: its current next hops, or none when it was withdrawn (or only our
/// own origination remains).</summary>
public sealed record LocRibChange(IPNetwork Prefix, IReadOnlyList<IPAddress> NextHops);
