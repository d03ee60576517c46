using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace L3Net.Bgp.Wire;

/// <summary>Address family identifiers (RFC 4760).</summary>
public enum Afi : ushort
{
    IPv4 = 1,
    IPv6 = 2,
}

/// <summary>
/// An IP prefix as the RIB keys it: the address bits left-aligned in 128 bits for both families, so IPv4 and IPv6
/// share one code path and one 24-byte value type (auto layout puts the two small fields after the words; sequential
/// layout would pad it to 32, which a million-entry RIB pays twice). No allocation to decode, hash or compare.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct Prefix(Afi Afi, ulong Hi, ulong Lo, byte Length) : IComparable<Prefix>
{
    public int MaxLength => Afi == Afi.IPv4 ? 32 : 128;

    /// <summary>Bytes this prefix takes in an NLRI field (length octet plus the significant address octets).</summary>
    public int WireLength => 1 + (Length + 7) / 8;

    public static Prefix Create(Afi afi, ReadOnlySpan<byte> addressBytes, int length)
    {
        // Shifting the octets in (no stackalloc, no copy) is what keeps NLRI decoding at tens of millions per second.
        ulong hi = 0, lo = 0;
        var n = Math.Min(addressBytes.Length, 16);
        for (var i = 0; i < n && i < 8; i++)
            hi |= (ulong)addressBytes[i] << (56 - 8 * i);
        for (var i = 8; i < n; i++)
            lo |= (ulong)addressBytes[i] << (120 - 8 * i);
        return Masked(afi, hi, lo, (byte)length);
    }

    public static Prefix FromNetwork(IPNetwork network)
    {
        Span<byte> bytes = stackalloc byte[16];
        network.BaseAddress.TryWriteBytes(bytes, out var written);
        var afi = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? Afi.IPv4 : Afi.IPv6;
        return Create(afi, bytes[..written], network.PrefixLength);
    }

    public static Prefix Parse(string cidr) => FromNetwork(IPNetwork.Parse(cidr));

    public IPNetwork ToNetwork() => new(Address, Length);

    public IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, Hi);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Lo);
            return new IPAddress(Afi == Afi.IPv4 ? bytes[..4] : bytes);
        }
    }

    /// <summary>True when <paramref name="other"/> lies inside this prefix (same family, at least as long).</summary>
    public bool Contains(Prefix other)
    {
        if (other.Afi != Afi || other.Length < Length)
            return false;
        return Masked(Afi, other.Hi, other.Lo, Length) == this;
    }

    /// <summary>Writes the NLRI encoding (RFC 4271 4.3): length in bits, then the minimum number of octets.</summary>
    public int Write(Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(full, Hi);
        BinaryPrimitives.WriteUInt64BigEndian(full[8..], Lo);
        var octets = (Length + 7) / 8;
        destination[0] = Length;
        full[..octets].CopyTo(destination[1..]);
        return 1 + octets;
    }

    /// <summary>Reads one NLRI entry; false when the length octet is out of range or the bytes run out
    /// (the caller decides which error that is: session reset for NLRI, treat-as-withdraw elsewhere).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, Afi afi, out Prefix prefix, out int consumed)
    {
        prefix = default;
        consumed = 0;
        if (source.IsEmpty)
            return false;
        int length = source[0];
        var octets = (length + 7) / 8;
        if (length > (afi == Afi.IPv4 ? 32 : 128) || source.Length < 1 + octets)
            return false;
        prefix = Create(afi, source.Slice(1, octets), length);
        consumed = 1 + octets;
        return true;
    }

    private static Prefix Masked(Afi afi, ulong hi, ulong lo, byte length)
    {
        var hiMask = length >= 64 ? ulong.MaxValue : length == 0 ? 0 : ulong.MaxValue << (64 - length);
        var loMask = length <= 64 ? 0 : length >= 128 ? ulong.MaxValue : ulong.MaxValue << (128 - length);
        return new Prefix(afi, hi & hiMask, lo & loMask, length);
    }

    public int CompareTo(Prefix other)
    {
        var c = ((ushort)Afi).CompareTo((ushort)other.Afi); // an enum's CompareTo boxes
        if (c == 0) c = Hi.CompareTo(other.Hi);
        if (c == 0) c = Lo.CompareTo(other.Lo);
        return c != 0 ? c : Length.CompareTo(other.Length);
    }

    public override string ToString() => $"{Address}/{Length}";
}
