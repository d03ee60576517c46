using System.Buffers.Binary;
using System.Net;

namespace L3Net.Bgp.Wire;

/// <summary>What the session negotiated that changes how attributes read (RFC 6793) and which ones we trust (RFC 7606).</summary>
public readonly record struct DecodeContext(bool FourOctetAs, bool Ibgp);

/// <summary>
/// Decodes a sequence of path attribute TLVs (everything but MP_REACH/MP_UNREACH, which the UPDATE decoder handles)
/// into a <see cref="PathAttributes"/>, applying RFC 7606: a malformed attribute either makes the whole UPDATE
/// treat-as-withdraw (returned as the reason) or is discarded. The UPDATE decoder has already reset the session for
/// the errors that demand it (an unrecognized well-known attribute among them), so no attribute here can.
/// </summary>
public static class AttributeReader
{
    private enum Kind { WellKnown, OptionalTransitive, OptionalNonTransitive }

    /// <summary>Decodes the attributes; returns null and a reason when the UPDATE must be treated as withdraw.</summary>
    public static PathAttributes? Decode(ReadOnlySpan<byte> tlvs, DecodeContext ctx, out string? withdrawReason)
    {
        withdrawReason = null;
        var a = new PathAttributes();
        List<RawAttribute>? other = null;
        AsPath? as4Path = null;
        Aggregator? as4Aggregator = null;
        var pos = 0;
        while (pos < tlvs.Length)
        {
            var tlv = ReadHeader(tlvs[pos..]);
            var flags = tlv.Flags;
            var type = tlv.Type;
            var value = tlv.Value;
            pos += tlv.Size;
            var expected = KindOf(type);
            var flagsOk = expected is null || FlagsMatch(flags, expected.Value);
            switch (type)
            {
                case AttributeType.Origin:
                    if (!flagsOk || value.Length != 1 || value[0] > 2)
                        return Withdraw(out withdrawReason, "malformed ORIGIN");
                    a = a with { Origin = (Origin)value[0] };
                    break;
                case AttributeType.AsPath:
                    if (!flagsOk || !TryReadAsPath(value, ctx.FourOctetAs ? 4 : 2, out var path))
                        return Withdraw(out withdrawReason, "malformed AS_PATH");
                    a = a with { AsPath = path };
                    break;
                case AttributeType.NextHop:
                    if (!flagsOk || value.Length != 4)
                        return Withdraw(out withdrawReason, "malformed NEXT_HOP");
                    a = a with { NextHop = new IPAddress(value) };
                    break;
                case AttributeType.Med:
                    if (!flagsOk || value.Length != 4)
                        return Withdraw(out withdrawReason, "malformed MULTI_EXIT_DISC");
                    a = a with { Med = BinaryPrimitives.ReadUInt32BigEndian(value) };
                    break;
                case AttributeType.LocalPref:
                    if (!ctx.Ibgp)
                        break; // RFC 7606 7.5: LOCAL_PREF from an external peer is discarded.
                    if (!flagsOk || value.Length != 4)
                        return Withdraw(out withdrawReason, "malformed LOCAL_PREF");
                    a = a with { LocalPref = BinaryPrimitives.ReadUInt32BigEndian(value) };
                    break;
                case AttributeType.AtomicAggregate:
                    if (flagsOk && value.Length == 0)
                        a = a with { AtomicAggregate = true };
                    break; // attribute discard otherwise (7606 7.6)
                case AttributeType.Aggregator:
                    var aggLength = ctx.FourOctetAs ? 8 : 6;
                    if (flagsOk && value.Length == aggLength)
                        a = a with { Aggregator = new Aggregator(aggLength == 8 ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt16BigEndian(value),
                            BinaryPrimitives.ReadUInt32BigEndian(value[(aggLength - 4)..])) };
                    break; // attribute discard otherwise (7606 7.7)
                case AttributeType.Communities:
                    if (!flagsOk || value.Length == 0 || value.Length % 4 != 0)
                        return Withdraw(out withdrawReason, "malformed COMMUNITIES");
                    a = a with { Communities = new ValueArray<uint>(ReadUInt32s(value)) };
                    break;
                case AttributeType.OriginatorId:
                    if (!ctx.Ibgp)
                        break; // meaningless from an external peer: discard
                    if (!flagsOk || value.Length != 4)
                        return Withdraw(out withdrawReason, "malformed ORIGINATOR_ID");
                    a = a with { OriginatorId = BinaryPrimitives.ReadUInt32BigEndian(value) };
                    break;
                case AttributeType.ClusterList:
                    if (!ctx.Ibgp)
                        break;
                    if (!flagsOk || value.Length == 0 || value.Length % 4 != 0)
                        return Withdraw(out withdrawReason, "malformed CLUSTER_LIST");
                    a = a with { ClusterList = new ValueArray<uint>(ReadUInt32s(value)) };
                    break;
                case AttributeType.LargeCommunities:
                    if (!flagsOk || value.Length == 0 || value.Length % 12 != 0)
                        return Withdraw(out withdrawReason, "malformed LARGE_COMMUNITY");
                    var words = ReadUInt32s(value);
                    var large = new LargeCommunity[words.Length / 3];
                    for (var i = 0; i < large.Length; i++)
                        large[i] = new LargeCommunity(words[3 * i], words[3 * i + 1], words[3 * i + 2]);
                    a = a with { LargeCommunities = new ValueArray<LargeCommunity>(large) };
                    break;
                case AttributeType.As4Path:
                    // Only meaningful on a two-octet session (RFC 6793 4.1); malformed ones are discarded.
                    if (!ctx.FourOctetAs && flagsOk && TryReadAsPath(value, 4, out var p4))
                        as4Path = p4;
                    break;
                case AttributeType.As4Aggregator:
                    if (!ctx.FourOctetAs && flagsOk && value.Length == 8)
                        as4Aggregator = new Aggregator(BinaryPrimitives.ReadUInt32BigEndian(value), BinaryPrimitives.ReadUInt32BigEndian(value[4..]));
                    break;
                case AttributeType.ExtendedCommunities:
                    // RFC 7606 7.14, and like COMMUNITIES (7.8) an empty one carries nothing and is malformed too.
                    if (!flagsOk || value.Length == 0 || value.Length % 8 != 0)
                        return Withdraw(out withdrawReason, "malformed EXTENDED_COMMUNITIES");
                    (other ??= []).Add(new RawAttribute((byte)(flags & ~AttributeFlags.ExtendedLength), type, new ValueArray<byte>(value.ToArray())));
                    break;
                default:
                    // Unknown optional transitive: pass on with the Partial bit (RFC 4271 5); non-transitive: drop.
                    if ((flags & AttributeFlags.Transitive) != 0)
                        (other ??= []).Add(new RawAttribute((byte)((flags | AttributeFlags.Partial) & ~AttributeFlags.ExtendedLength), type, new ValueArray<byte>(value.ToArray())));
                    break;
            }
        }
        if (as4Path is { } merged)
            a = a with { AsPath = MergeAs4Path(a.AsPath, merged) };
        if (as4Aggregator is { } agg4 && a.Aggregator is { As: 23456 })
            a = a with { Aggregator = agg4 };
        if (other is not null)
            a = a with { Other = new ValueArray<RawAttribute>([.. other]) };
        return a;
    }

    /// <summary>One TLV header. The caller has already checked (in the UPDATE scan) that every TLV fits.</summary>
    public static AttributeTlv ReadHeader(ReadOnlySpan<byte> at)
    {
        var flags = at[0];
        var type = at[1];
        var extended = (flags & AttributeFlags.ExtendedLength) != 0;
        var length = extended ? BinaryPrimitives.ReadUInt16BigEndian(at[2..]) : at[2];
        var header = extended ? 4 : 3;
        return new AttributeTlv(flags, type, at.Slice(header, length), header + length);
    }

    /// <summary>Size of the TLV at the start of <paramref name="at"/>, or -1 when its header or value overruns.</summary>
    public static int MeasureTlv(ReadOnlySpan<byte> at)
    {
        if (at.Length < 3)
            return -1;
        var extended = (at[0] & AttributeFlags.ExtendedLength) != 0;
        if (extended && at.Length < 4)
            return -1;
        var size = extended ? 4 + BinaryPrimitives.ReadUInt16BigEndian(at[2..]) : 3 + at[2];
        return size <= at.Length ? size : -1;
    }

    public static bool TryReadAsPath(ReadOnlySpan<byte> value, int asnSize, out AsPath path)
    {
        path = default;
        var segments = new List<AsPathSegment>();
        var pos = 0;
        while (pos < value.Length)
        {
            if (value.Length - pos < 2)
                return false;
            var type = value[pos];
            int count = value[pos + 1];
            pos += 2;
            if (type is < 1 or > 4 || count == 0 || value.Length - pos < count * asnSize)
                return false;
            var asns = new uint[count];
            for (var i = 0; i < count; i++, pos += asnSize)
                asns[i] = asnSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value[pos..]) : BinaryPrimitives.ReadUInt16BigEndian(value[pos..]);
            segments.Add(new AsPathSegment((AsSegmentType)type, new ValueArray<uint>(asns)));
        }
        path = new AsPath(new ValueArray<AsPathSegment>([.. segments]));
        return true;
    }

    /// <summary>RFC 6793 4.2.3: keep the leading ASes of AS_PATH that AS4_PATH does not cover, then AS4_PATH.</summary>
    private static AsPath MergeAs4Path(AsPath asPath, AsPath as4Path)
    {
        var have = asPath.Segments.Span.ToArray().Sum(s => s.Asns.Count);
        var have4 = as4Path.Segments.Span.ToArray().Sum(s => s.Asns.Count);
        if (have < have4)
            return asPath;
        var keep = have - have4;
        var lead = asPath.Segments.Span.ToArray().SelectMany(s => s.Asns).Take(keep).ToArray();
        if (lead.Length == 0)
            return as4Path;
        return new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>(lead)), .. as4Path.Segments.Span]));
    }

    private static uint[] ReadUInt32s(ReadOnlySpan<byte> value)
    {
        var result = new uint[value.Length / 4];
        for (var i = 0; i < result.Length; i++)
            result[i] = BinaryPrimitives.ReadUInt32BigEndian(value[(4 * i)..]);
        return result;
    }

    private static PathAttributes? Withdraw(out string? reason, string why)
    {
        reason = why;
        return null;
    }

    private static Kind? KindOf(byte type) => type switch
    {
        AttributeType.Origin or AttributeType.AsPath or AttributeType.NextHop or AttributeType.LocalPref or AttributeType.AtomicAggregate => Kind.WellKnown,
        AttributeType.Med or AttributeType.OriginatorId or AttributeType.ClusterList or AttributeType.MpReach or AttributeType.MpUnreach => Kind.OptionalNonTransitive,
        AttributeType.Aggregator or AttributeType.Communities or AttributeType.ExtendedCommunities or AttributeType.As4Path
            or AttributeType.As4Aggregator or AttributeType.LargeCommunities => Kind.OptionalTransitive,
        _ => null,
    };

    /// <summary>An attribute type we do not know, flagged well-known: RFC 4271 6.3 ends the session.</summary>
    public static bool IsUnrecognizedWellKnown(byte flags, byte type) => KindOf(type) is null && (flags & AttributeFlags.Optional) == 0;

    /// <summary>True when the Optional and Transitive bits of a known attribute match its category (RFC 7606 3(c)).</summary>
    public static bool HasCategoryFlags(byte flags, byte type) => KindOf(type) is not { } kind || FlagsMatch(flags, kind);

    /// <summary>The Optional and Transitive bits must match the attribute's category (RFC 7606 3(c)).</summary>
    private static bool FlagsMatch(byte flags, Kind kind)
    {
        var optional = (flags & AttributeFlags.Optional) != 0;
        var transitive = (flags & AttributeFlags.Transitive) != 0;
        return kind switch
        {
            Kind.WellKnown => !optional && transitive,
            Kind.OptionalTransitive => optional && transitive,
            _ => optional && !transitive,
        };
    }

    /// <summary>The category flags we put on an attribute we send.</summary>
    public static byte FlagsFor(byte type) => KindOf(type) switch
    {
        Kind.WellKnown => AttributeFlags.Transitive,
        Kind.OptionalTransitive => AttributeFlags.Optional | AttributeFlags.Transitive,
        _ => AttributeFlags.Optional,
    };
}

/// <summary>One attribute as it sits on the wire.</summary>
public readonly ref struct AttributeTlv(byte flags, byte type, ReadOnlySpan<byte> value, int size)
{
    public byte Flags { get; } = flags;
    public byte Type { get; } = type;
    public ReadOnlySpan<byte> Value { get; } = value;
    public int Size { get; } = size;
}
