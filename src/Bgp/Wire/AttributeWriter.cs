using System.Buffers.Binary;
using System.Net.Sockets;

namespace L3Net.Bgp.Wire;

/// <summary>
/// Encodes a <see cref="PathAttributes"/> as path attribute TLVs. On a two-octet session (RFC 6793 4.2.2) ASNs that
/// do not fit are sent as AS_TRANS with the real path in AS4_PATH; on a four-octet session AS4_PATH is never sent.
/// </summary>
public static class AttributeWriter
{
    public const ushort AsTrans = 23456;

    /// <summary>Writes every attribute except MP_REACH/MP_UNREACH; NEXT_HOP only when <paramref name="withNextHop"/>
    /// (IPv4 NLRI in the classic field).</summary>
    public static int Write(PathAttributes a, Span<byte> dst, bool fourOctetAs, bool withNextHop)
    {
        var pos = 0;
        pos += Fixed(dst[pos..], AttributeType.Origin, [(byte)a.Origin]);
        var needsAs4 = !fourOctetAs && NeedsFourOctets(a.AsPath);
        pos += WriteAsPath(dst[pos..], AttributeType.AsPath, a.AsPath, fourOctetAs ? 4 : 2);
        if (withNextHop && a.NextHop is { AddressFamily: AddressFamily.InterNetwork } nh)
        {
            Span<byte> b = stackalloc byte[4];
            nh.TryWriteBytes(b, out _);
            pos += Fixed(dst[pos..], AttributeType.NextHop, b);
        }
        if (a.Med is { } med)
            pos += UInt32(dst[pos..], AttributeType.Med, med);
        if (a.LocalPref is { } lp)
            pos += UInt32(dst[pos..], AttributeType.LocalPref, lp);
        if (a.AtomicAggregate)
            pos += Fixed(dst[pos..], AttributeType.AtomicAggregate, []);
        if (a.Aggregator is { } agg)
        {
            Span<byte> b = stackalloc byte[8];
            var size = fourOctetAs ? 8 : 6;
            if (fourOctetAs)
                BinaryPrimitives.WriteUInt32BigEndian(b, agg.As);
            else
                BinaryPrimitives.WriteUInt16BigEndian(b, agg.As > ushort.MaxValue ? AsTrans : (ushort)agg.As);
            BinaryPrimitives.WriteUInt32BigEndian(b[(size - 4)..], agg.Address);
            pos += Fixed(dst[pos..], AttributeType.Aggregator, b[..size]);
        }
        if (!a.Communities.IsEmpty)
            pos += UInt32s(dst[pos..], AttributeType.Communities, a.Communities.Span);
        if (a.OriginatorId is { } oid)
            pos += UInt32(dst[pos..], AttributeType.OriginatorId, oid);
        if (!a.ClusterList.IsEmpty)
            pos += UInt32s(dst[pos..], AttributeType.ClusterList, a.ClusterList.Span);
        if (needsAs4)
            pos += WriteAsPath(dst[pos..], AttributeType.As4Path, a.AsPath, 4);
        if (!fourOctetAs && a.Aggregator is { As: > ushort.MaxValue } agg4)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(b, agg4.As);
            BinaryPrimitives.WriteUInt32BigEndian(b[4..], agg4.Address);
            pos += Fixed(dst[pos..], AttributeType.As4Aggregator, b);
        }
        if (!a.LargeCommunities.IsEmpty)
        {
            var words = new uint[a.LargeCommunities.Count * 3];
            for (var i = 0; i < a.LargeCommunities.Count; i++)
                (words[3 * i], words[3 * i + 1], words[3 * i + 2]) = (a.LargeCommunities[i].GlobalAdmin, a.LargeCommunities[i].Local1, a.LargeCommunities[i].Local2);
            pos += UInt32s(dst[pos..], AttributeType.LargeCommunities, words);
        }
        foreach (var raw in a.Other.Span)
            pos += Tlv(dst[pos..], raw.Flags, raw.Type, raw.Value.Span);
        return pos;
    }

    /// <summary>Writes a TLV header, choosing the extended length form only when the value needs it.</summary>
    public static int Header(Span<byte> dst, byte flags, byte type, int valueLength)
    {
        if (valueLength > 255)
        {
            dst[0] = (byte)(flags | AttributeFlags.ExtendedLength);
            dst[1] = type;
            BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)valueLength);
            return 4;
        }
        dst[0] = (byte)(flags & ~AttributeFlags.ExtendedLength);
        dst[1] = type;
        dst[2] = (byte)valueLength;
        return 3;
    }

    public static int Tlv(Span<byte> dst, byte flags, byte type, ReadOnlySpan<byte> value)
    {
        var h = Header(dst, flags, type, value.Length);
        value.CopyTo(dst[h..]);
        return h + value.Length;
    }

    private static int Fixed(Span<byte> dst, byte type, ReadOnlySpan<byte> value) => Tlv(dst, AttributeReader.FlagsFor(type), type, value);

    private static int UInt32(Span<byte> dst, byte type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return Fixed(dst, type, b);
    }

    private static int UInt32s(Span<byte> dst, byte type, ReadOnlySpan<uint> values)
    {
        var h = Header(dst, AttributeReader.FlagsFor(type), type, values.Length * 4);
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(dst[(h + 4 * i)..], values[i]);
        return h + values.Length * 4;
    }

    private static int WriteAsPath(Span<byte> dst, byte type, AsPath path, int asnSize)
    {
        var length = 0;
        foreach (var s in path.Segments.Span)
            length += 2 + s.Asns.Count * asnSize;
        var pos = Header(dst, AttributeReader.FlagsFor(type), type, length);
        foreach (var s in path.Segments.Span)
        {
            dst[pos++] = (byte)s.Type;
            dst[pos++] = (byte)s.Asns.Count;
            foreach (var asn in s.Asns.Span)
            {
                if (asnSize == 4)
                    BinaryPrimitives.WriteUInt32BigEndian(dst[pos..], asn);
                else
                    BinaryPrimitives.WriteUInt16BigEndian(dst[pos..], asn > ushort.MaxValue ? AsTrans : (ushort)asn);
                pos += asnSize;
            }
        }
        return pos;
    }

    private static bool NeedsFourOctets(AsPath path)
    {
        foreach (var s in path.Segments.Span)
            foreach (var asn in s.Asns.Span)
                if (asn > ushort.MaxValue)
                    return true;
        return false;
    }
}
