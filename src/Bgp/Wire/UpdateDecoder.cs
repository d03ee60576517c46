using System.Buffers.Binary;
using System.Net;

namespace L3Net.Bgp.Wire;

/// <summary>The decoded content of one UPDATE. Reused across messages (lists keep their capacity), so a session
/// decodes a full table without allocating per message.</summary>
public sealed class ParsedUpdate
{
    public List<Prefix> Withdrawn { get; } = [];
    /// <summary>IPv4 prefixes of the classic NLRI field, with <see cref="Attributes"/>.</summary>
    public List<Prefix> Announced { get; } = [];
    /// <summary>Prefixes of MP_REACH_NLRI, with <see cref="MpAttributes"/> (whose next hop is the MP next hop).</summary>
    public List<Prefix> MpAnnounced { get; } = [];
    public PathAttributes? Attributes { get; set; }
    public PathAttributes? MpAttributes { get; set; }
    /// <summary>Set when RFC 7606 turned the UPDATE into a withdrawal of everything it announced.</summary>
    public string? TreatAsWithdrawReason { get; set; }
    public Afi? EndOfRib { get; set; }

    public void Clear()
    {
        Withdrawn.Clear();
        Announced.Clear();
        MpAnnounced.Clear();
        Attributes = MpAttributes = null;
        TreatAsWithdrawReason = null;
        EndOfRib = null;
    }
}

/// <summary>
/// Decodes UPDATE bodies for one session. Attribute sets are interned by their wire bytes: a table of a million
/// routes carries a few hundred distinct sets, so after the first occurrence a set costs one hash lookup and no
/// allocation. Errors follow RFC 7606, the strongest outcome of the whole UPDATE winning: session reset (a
/// <see cref="BgpProtocolException"/>) for a broken UPDATE frame, NLRI field or MP attribute, an unrecognized
/// well-known attribute, or NLRI that cannot be located; otherwise treat-as-withdraw or attribute discard.
/// </summary>
public sealed class UpdateDecoder(DecodeContext context)
{
    private const int KeyOffset = 64;
    private const int MaxInterned = 65536;
    private readonly byte[] _scratch = new byte[KeyOffset + 65536];
    private readonly Dictionary<byte[], PathAttributes> _interned = new(ByteArrayComparer.Instance);

    public DecodeContext Context { get; } = context;

    /// <summary>Distinct attribute sets seen so far (for tests and diagnostics).</summary>
    public int InternedCount => _interned.Count;

    public void Decode(ReadOnlySpan<byte> body, ParsedUpdate r)
    {
        r.Clear();
        if (body.Length < 4)
            throw BgpProtocolException.Update(BgpSubcode.MalformedAttributeList, "UPDATE shorter than its length fields");
        int withdrawnLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (4 + withdrawnLength > body.Length)
            throw BgpProtocolException.Update(BgpSubcode.MalformedAttributeList, "withdrawn routes length exceeds the message");
        ReadPrefixes(body.Slice(2, withdrawnLength), Afi.IPv4, r.Withdrawn, BgpSubcode.InvalidNetworkField);
        int attributesLength = BinaryPrimitives.ReadUInt16BigEndian(body[(2 + withdrawnLength)..]);
        if (4 + withdrawnLength + attributesLength > body.Length)
            throw BgpProtocolException.Update(BgpSubcode.MalformedAttributeList, "total attribute length exceeds the message");
        var attributes = body.Slice(4 + withdrawnLength, attributesLength);
        ReadPrefixes(body[(4 + withdrawnLength + attributesLength)..], Afi.IPv4, r.Announced, BgpSubcode.InvalidNetworkField);
        if (attributesLength == 0)
        {
            if (withdrawnLength == 0 && r.Announced.Count == 0)
                r.EndOfRib = Afi.IPv4;
            else if (r.Announced.Count > 0)
                TreatAsWithdraw(r, "NLRI without path attributes");
            return;
        }
        Scan(attributes, r);
    }

    /// <summary>
    /// One pass over every attribute TLV, keeping the strongest RFC 7606 outcome of the whole UPDATE: a session reset
    /// (thrown at once, nothing outranks it) over treat-as-withdraw (the first reason kept, the scan goes on, since a
    /// later attribute may still demand a reset) over attribute discard (done while decoding). AFI/SAFI disable is
    /// not used: this speaker negotiates one family per session, so disabling it is a session reset.
    /// </summary>
    private void Scan(ReadOnlySpan<byte> attributes, ParsedUpdate r)
    {
        Span<ulong> seen = stackalloc ulong[4];
        var keyLength = 0;
        ReadOnlySpan<byte> reach = default;
        var mpLocated = false;
        string? withdraw = null;
        for (var pos = 0; pos < attributes.Length;)
        {
            var size = AttributeReader.MeasureTlv(attributes[pos..]);
            if (size < 0)
            {
                // RFC 7606 4: the rest of the field cannot be parsed. Treat-as-withdraw needs all of the UPDATE's NLRI
                // located (5.3); an MP_REACH_NLRI or MP_UNREACH_NLRI may hide in the unparsed rest unless one came
                // already (5.1: it comes first, one per UPDATE). Withdrawing what we can see while the rest stays
                // installed would leave those prefixes neither installed nor withdrawn.
                if (!mpLocated)
                    throw BgpProtocolException.Update(BgpSubcode.MalformedAttributeList,
                        "attribute length overruns the attribute field before any MP_REACH_NLRI or MP_UNREACH_NLRI: the NLRI cannot be located");
                withdraw ??= "attribute length overruns the attribute field";
                break;
            }
            var tlv = attributes.Slice(pos, size);
            pos += size;
            var type = tlv[1];
            if (AttributeReader.IsUnrecognizedWellKnown(tlv[0], type))
                throw BgpProtocolException.Update(BgpSubcode.UnrecognizedWellKnownAttribute, $"unrecognized well-known attribute {type}", tlv.ToArray());
            var duplicate = (seen[type >> 6] & (1UL << (type & 63))) != 0;
            seen[type >> 6] |= 1UL << (type & 63);
            if (type is AttributeType.MpReach or AttributeType.MpUnreach)
            {
                if (duplicate)
                    throw BgpProtocolException.Update(BgpSubcode.MalformedAttributeList, "MP_REACH_NLRI or MP_UNREACH_NLRI repeated");
                mpLocated = true;
                var header = AttributeReader.ReadHeader(tlv);
                // RFC 7606 3(c): wrong Optional/Transitive bits make it malformed; its NLRI is still located, so
                // treat-as-withdraw (an MP_UNREACH_NLRI withdraws its prefixes either way).
                if (!AttributeReader.HasCategoryFlags(header.Flags, type))
                    withdraw ??= $"{(type == AttributeType.MpReach ? "MP_REACH_NLRI" : "MP_UNREACH_NLRI")} flags 0x{header.Flags:X2} are not optional non-transitive";
                if (type == AttributeType.MpReach)
                    reach = header.Value;
                else
                    ReadMpUnreach(header.Value, r);
                continue;
            }
            if (duplicate)
                continue; // RFC 7606 3(g): later copies of any other attribute are discarded.
            tlv.CopyTo(_scratch.AsSpan(KeyOffset + keyLength));
            keyLength += size;
        }
        ReadOnlySpan<byte> mpNextHop = default;
        var mpAfi = Afi.IPv4;
        if (!reach.IsEmpty)
            mpAfi = ReadMpReach(reach, r, out mpNextHop);
        if (r.Announced.Count == 0 && r.MpAnnounced.Count == 0)
            return;
        if (withdraw is not null)
        {
            TreatAsWithdraw(r, withdraw);
            return;
        }
        if (!Has(seen, AttributeType.Origin) || !Has(seen, AttributeType.AsPath) || (r.Announced.Count > 0 && !Has(seen, AttributeType.NextHop)))
        {
            TreatAsWithdraw(r, "missing well-known mandatory attribute");
            return;
        }
        var tlvs = _scratch.AsSpan(KeyOffset, keyLength);
        _scratch[KeyOffset - 1] = 0;
        var baseAttributes = Intern(_scratch.AsSpan(KeyOffset - 1, keyLength + 1), tlvs, null, out var reason);
        if (baseAttributes is null)
        {
            TreatAsWithdraw(r, reason!);
            return;
        }
        if (r.Announced.Count > 0)
        {
            if (!UsableNextHop(baseAttributes.NextHop!))
            {
                TreatAsWithdraw(r, $"unusable NEXT_HOP {baseAttributes.NextHop}");
                return;
            }
            r.Attributes = baseAttributes;
        }
        if (r.MpAnnounced.Count > 0)
        {
            // The MP key is the next hop in front of the same TLVs, so one set per (attributes, next hop).
            var start = KeyOffset - 4 - mpNextHop.Length;
            _scratch[start] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(_scratch.AsSpan(start + 1), (ushort)mpAfi);
            _scratch[start + 3] = (byte)mpNextHop.Length;
            mpNextHop.CopyTo(_scratch.AsSpan(start + 4));
            r.MpAttributes = Intern(_scratch.AsSpan(start, KeyOffset - start + keyLength), tlvs, mpNextHop.ToArray(), out _);
        }
    }

    private PathAttributes? Intern(ReadOnlySpan<byte> key, ReadOnlySpan<byte> tlvs, byte[]? mpNextHop, out string? reason)
    {
        reason = null;
        var lookup = _interned.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(key, out var found))
            return found;
        var decoded = AttributeReader.Decode(tlvs, Context, out reason);
        if (decoded is null)
            return null;
        if (mpNextHop is not null)
            decoded = decoded with
            {
                NextHop = new IPAddress(mpNextHop.AsSpan(0, mpNextHop.Length >= 16 ? 16 : 4)),
                LinkLocalNextHop = mpNextHop.Length == 32 ? new IPAddress(mpNextHop.AsSpan(16, 16)) : null,
            };
        if (_interned.Count >= MaxInterned)
            _interned.Clear(); // bounds memory against a peer that sends endless distinct sets
        _interned[key.ToArray()] = decoded;
        return decoded;
    }

    private static bool Has(ReadOnlySpan<ulong> seen, byte type) => (seen[type >> 6] & (1UL << (type & 63))) != 0;

    private static void ReadMpUnreach(ReadOnlySpan<byte> value, ParsedUpdate r)
    {
        if (value.Length < 3)
            throw BgpProtocolException.Update(BgpSubcode.OptionalAttributeError, "MP_UNREACH_NLRI shorter than AFI/SAFI");
        if (!TryFamily(value, out var afi))
            return; // a family we did not negotiate: ignored
        if (value.Length == 3)
        {
            r.EndOfRib = afi;
            return;
        }
        ReadPrefixes(value[3..], afi, r.Withdrawn, BgpSubcode.OptionalAttributeError);
    }

    private static Afi ReadMpReach(ReadOnlySpan<byte> value, ParsedUpdate r, out ReadOnlySpan<byte> nextHop)
    {
        nextHop = default;
        if (value.Length < 5)
            throw BgpProtocolException.Update(BgpSubcode.OptionalAttributeError, "MP_REACH_NLRI too short");
        int nextHopLength = value[3];
        if (value.Length < 5 + nextHopLength)
            throw BgpProtocolException.Update(BgpSubcode.OptionalAttributeError, "MP_REACH_NLRI next hop overruns the attribute");
        if (!TryFamily(value, out var afi))
            return Afi.IPv4;
        var valid = afi == Afi.IPv4 ? nextHopLength is 4 or 16 or 32 : nextHopLength is 16 or 32;
        if (!valid)
            throw BgpProtocolException.Update(BgpSubcode.OptionalAttributeError, $"MP_REACH_NLRI next hop length {nextHopLength}");
        ReadPrefixes(value[(5 + nextHopLength)..], afi, r.MpAnnounced, BgpSubcode.OptionalAttributeError);
        nextHop = value.Slice(4, nextHopLength);
        return afi;
    }

    private static bool TryFamily(ReadOnlySpan<byte> value, out Afi afi)
    {
        afi = (Afi)BinaryPrimitives.ReadUInt16BigEndian(value);
        return afi is Afi.IPv4 or Afi.IPv6 && value[2] == 1;
    }

    private static void ReadPrefixes(ReadOnlySpan<byte> field, Afi afi, List<Prefix> into, byte subcode)
    {
        while (!field.IsEmpty)
        {
            if (!Prefix.TryRead(field, afi, out var prefix, out var consumed))
                throw BgpProtocolException.Update(subcode, $"malformed {afi} prefix in UPDATE");
            into.Add(prefix);
            field = field[consumed..];
        }
    }

    private static void TreatAsWithdraw(ParsedUpdate r, string reason)
    {
        r.TreatAsWithdrawReason = reason;
        r.Withdrawn.AddRange(r.Announced);
        r.Withdrawn.AddRange(r.MpAnnounced);
        r.Announced.Clear();
        r.MpAnnounced.Clear();
    }

    private static bool UsableNextHop(IPAddress nextHop)
    {
        Span<byte> b = stackalloc byte[4];
        nextHop.TryWriteBytes(b, out _);
        return b[0] != 0 && b[0] < 224; // not 0.0.0.0/8, multicast or reserved (RFC 4271 6.3)
    }
}

/// <summary>Byte-content keys for the interning table, looked up by span without allocating.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);
    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
