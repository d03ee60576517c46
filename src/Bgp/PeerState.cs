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
    int PrefixesAdvertised)
{
    /// <summary>What the neighbour did across its sessions since it was configured.</summary>
    public PeerCounterValues Counters { get; init; }
}

/// <summary>A neighbour's UPDATEs in and out, flaps (Established sessions that went down), and why it last went down
/// or failed to connect (null until that happens).</summary>
public readonly record struct PeerCounterValues(long UpdatesReceived, long UpdatesSent, long Flaps, string? LastError);

/// <summary>A Loc-RIB change for a learned prefix: its current next hops, or none when it was withdrawn (or only our
/// own origination remains). A 32-byte value carrying the RIB's own key: the stream of a full table allocates nothing
/// per change, and <see cref="Prefix"/> builds the <see cref="IPNetwork"/> only for a consumer that reads it.</summary>
public readonly struct LocRibChange(Wire.Prefix prefix, IReadOnlyList<IPAddress> nextHops)
{
    public IPNetwork Prefix => prefix.ToNetwork();
    public IReadOnlyList<IPAddress> NextHops => nextHops;
}
