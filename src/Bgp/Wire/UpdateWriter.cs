using System.Buffers.Binary;

namespace L3Net.Bgp.Wire;

/// <summary>
/// Builds UPDATE messages, packing as many prefixes as fit in one message of at most <see cref="MessageFrame.MaxLength"/>
/// bytes. IPv4 uses the classic fields; IPv6 uses MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) with the RFC 2545 next hop
/// (global, plus link-local when known).
/// </summary>
public static class UpdateWriter
{
    private const int MpReachFixed = 4 + 5; // extended-length TLV header + AFI, SAFI, next hop length, reserved

    /// <summary>Writes one UPDATE announcing a leading run of <paramref name="prefixes"/> (one family) with <paramref name="a"/>;
    /// <paramref name="consumed"/> says how many fitted. <paramref name="dst"/> must hold <see cref="MessageFrame.MaxLength"/> bytes.</summary>
    public static int WriteAnnounce(Span<byte> dst, PathAttributes a, ReadOnlySpan<Prefix> prefixes, bool fourOctetAs, out int consumed)
    {
        var limit = Math.Min(dst.Length, MessageFrame.MaxLength);
        var v4 = prefixes[0].Afi == Afi.IPv4;
        var pos = MessageFrame.HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(dst[pos..], 0);
        var attrLengthAt = pos + 2;
        pos += 4;
        pos += AttributeWriter.Write(a, dst[pos..], fourOctetAs, withNextHop: v4);
        if (v4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dst[attrLengthAt..], (ushort)(pos - attrLengthAt - 2));
            pos = PackPrefixes(dst, pos, limit, prefixes, out consumed);
        }
        else
        {
            Span<byte> nextHop = stackalloc byte[32];
            a.NextHop!.TryWriteBytes(nextHop, out var nhLength);
            if (a.LinkLocalNextHop is { } ll)
                ll.TryWriteBytes(nextHop[16..], out _);
            nhLength = a.LinkLocalNextHop is null ? nhLength : 32;
            var tlvAt = pos;
            dst[tlvAt] = AttributeFlags.Optional | AttributeFlags.ExtendedLength;
            dst[tlvAt + 1] = AttributeType.MpReach;
            BinaryPrimitives.WriteUInt16BigEndian(dst[(tlvAt + 4)..], (ushort)Afi.IPv6);
            dst[tlvAt + 6] = 1;
            dst[tlvAt + 7] = (byte)nhLength;
            nextHop[..nhLength].CopyTo(dst[(tlvAt + 8)..]);
            dst[tlvAt + 8 + nhLength] = 0; // reserved
            pos = PackPrefixes(dst, tlvAt + MpReachFixed + nhLength, limit, prefixes, out consumed);
            BinaryPrimitives.WriteUInt16BigEndian(dst[(tlvAt + 2)..], (ushort)(pos - tlvAt - 4));
            BinaryPrimitives.WriteUInt16BigEndian(dst[attrLengthAt..], (ushort)(pos - attrLengthAt - 2));
        }
        if (consumed == 0)
            throw new InvalidOperationException("path attributes leave no room for a prefix in a 4096-byte UPDATE");
        MessageFrame.WriteHeader(dst, pos, MessageType.Update);
        return pos;
    }

    /// <summary>Writes one UPDATE withdrawing a leading run of <paramref name="prefixes"/> (one family).</summary>
    public static int WriteWithdraw(Span<byte> dst, ReadOnlySpan<Prefix> prefixes, out int consumed)
    {
        var limit = Math.Min(dst.Length, MessageFrame.MaxLength);
        var pos = MessageFrame.HeaderLength;
        if (prefixes[0].Afi == Afi.IPv4)
        {
            pos = PackPrefixes(dst, pos + 2, limit - 2, prefixes, out consumed);
            BinaryPrimitives.WriteUInt16BigEndian(dst[MessageFrame.HeaderLength..], (ushort)(pos - MessageFrame.HeaderLength - 2));
            BinaryPrimitives.WriteUInt16BigEndian(dst[pos..], 0);
            pos += 2;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(dst[pos..], 0);
            var attrLengthAt = pos + 2;
            var tlvAt = pos + 4;
            dst[tlvAt] = AttributeFlags.Optional | AttributeFlags.ExtendedLength;
            dst[tlvAt + 1] = AttributeType.MpUnreach;
            BinaryPrimitives.WriteUInt16BigEndian(dst[(tlvAt + 4)..], (ushort)Afi.IPv6);
            dst[tlvAt + 6] = 1;
            pos = PackPrefixes(dst, tlvAt + 7, limit, prefixes, out consumed);
            BinaryPrimitives.WriteUInt16BigEndian(dst[(tlvAt + 2)..], (ushort)(pos - tlvAt - 4));
            BinaryPrimitives.WriteUInt16BigEndian(dst[attrLengthAt..], (ushort)(pos - attrLengthAt - 2));
        }
        MessageFrame.WriteHeader(dst, pos, MessageType.Update);
        return pos;
    }

    /// <summary>End-of-RIB (RFC 4724 2): an empty UPDATE for IPv4, an empty MP_UNREACH_NLRI for other families.</summary>
    public static int WriteEndOfRib(Span<byte> dst, Afi afi)
    {
        var length = afi == Afi.IPv4 ? 23 : 23 + 6;
        dst[..length].Clear();
        MessageFrame.WriteHeader(dst, length, MessageType.Update);
        if (afi != Afi.IPv4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dst[21..], 6);
            dst[23] = AttributeFlags.Optional;
            dst[24] = AttributeType.MpUnreach;
            dst[25] = 3;
            BinaryPrimitives.WriteUInt16BigEndian(dst[26..], (ushort)afi);
            dst[28] = 1;
        }
        return length;
    }

    private static int PackPrefixes(Span<byte> dst, int pos, int limit, ReadOnlySpan<Prefix> prefixes, out int consumed)
    {
        consumed = 0;
        foreach (var p in prefixes)
        {
            if (pos + p.WireLength > limit)
                break;
            pos += p.Write(dst[pos..]);
            consumed++;
        }
        return pos;
    }
}
