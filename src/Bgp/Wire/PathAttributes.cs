using System.Net;

namespace L3Net.Bgp.Wire;

public enum Origin : byte
{
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

public enum AsSegmentType : byte
{
    Set = 1,
    Sequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}

/// <summary>Path attribute type codes we understand.</summary>
public static class AttributeType
{
    public const byte Origin = 1, AsPath = 2, NextHop = 3, Med = 4, LocalPref = 5, AtomicAggregate = 6,
        Aggregator = 7, Communities = 8, OriginatorId = 9, ClusterList = 10, MpReach = 14, MpUnreach = 15,
        ExtendedCommunities = 16, As4Path = 17, As4Aggregator = 18, LargeCommunities = 32;
}

/// <summary>Attribute flag bits (RFC 4271 4.3).</summary>
public static class AttributeFlags
{
    public const byte Optional = 0x80, Transitive = 0x40, Partial = 0x20, ExtendedLength = 0x10;
}

public readonly record struct AsPathSegment(AsSegmentType Type, ValueArray<uint> Asns);

public readonly record struct Aggregator(uint As, uint Address);

public readonly record struct LargeCommunity(uint GlobalAdmin, uint Local1, uint Local2);

/// <summary>An attribute passed through opaquely (unknown optional transitive, extended communities).</summary>
public readonly record struct RawAttribute(byte Flags, byte Type, ValueArray<byte> Value);

/// <summary>An AS_PATH with the counting rules of best-path selection.</summary>
public readonly record struct AsPath(ValueArray<AsPathSegment> Segments)
{
    public static AsPath Empty => default;

    /// <summary>Path length for best-path: a set counts as one, confederation segments not at all (RFC 4271 9.1.2.2, RFC 5065).</summary>
    public int Length
    {
        get
        {
            var n = 0;
            foreach (var s in Segments.Span)
                n += s.Type switch { AsSegmentType.Sequence => s.Asns.Count, AsSegmentType.Set => 1, _ => 0 };
            return n;
        }
    }

    /// <summary>The neighbouring AS a route came from (for MED comparison); null for a local route.</summary>
    public uint? FirstAs => Segments.Count > 0 && Segments[0].Type == AsSegmentType.Sequence ? Segments[0].Asns[0] : null;

    public bool Contains(uint asn)
    {
        foreach (var s in Segments.Span)
            if (s.Asns.Span.Contains(asn))
                return true;
        return false;
    }

    /// <summary>The path with <paramref name="asn"/> put in front, as an eBGP speaker does on export.</summary>
    public AsPath Prepend(uint asn)
    {
        var segments = Segments.Span;
        if (segments.Length > 0 && segments[0].Type == AsSegmentType.Sequence && segments[0].Asns.Count < 255)
        {
            var first = new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>([asn, .. segments[0].Asns.Span]));
            return new AsPath(new ValueArray<AsPathSegment>([first, .. segments[1..]]));
        }
        var added = new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>([asn]));
        return new AsPath(new ValueArray<AsPathSegment>([added, .. segments]));
    }

    public override string ToString() => string.Join(' ', Segments.Span.ToArray().Select(s =>
        s.Type == AsSegmentType.Sequence ? s.Asns.ToString() : $"{{{s.Asns}}}"));
}

/// <summary>
/// One route's path attributes, immutable and compared by value. The decoder interns them per session, so a full
/// table shares a few hundred instances; export builds new ones with <c>with</c>.
/// </summary>
public sealed record PathAttributes
{
    public Origin Origin { get; init; } = Origin.Igp;
    public AsPath AsPath { get; init; }
    /// <summary>The next hop of the family this set is used for: NEXT_HOP for IPv4, the MP_REACH global address for IPv6.</summary>
    public IPAddress? NextHop { get; init; }
    /// <summary>The IPv6 link-local next hop (RFC 2545), when the peer is on-link.</summary>
    public IPAddress? LinkLocalNextHop { get; init; }
    public uint? Med { get; init; }
    public uint? LocalPref { get; init; }
    public bool AtomicAggregate { get; init; }
    public Aggregator? Aggregator { get; init; }
    public ValueArray<uint> Communities { get; init; }
    public ValueArray<LargeCommunity> LargeCommunities { get; init; }
    public uint? OriginatorId { get; init; }
    public ValueArray<uint> ClusterList { get; init; }
    public ValueArray<RawAttribute> Other { get; init; }
}
