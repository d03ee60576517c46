using System.Buffers.Binary;
using System.Numerics;

namespace L3Net.Cni;

/// <summary>
/// SHA-1 (FIPS 180-4) in managed code, for <see cref="HostInterfaceName"/> only. The BCL's SHA1 calls OpenSSL, and
/// loading and initialising libssl + libcrypto costs the plugin several milliseconds of its start-up for one hash of
/// a few dozen bytes per pod. It names an interface; it protects nothing.
/// </summary>
public static class Sha1
{
    public const int HashSizeInBytes = 20;

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<uint> h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
        Span<uint> w = stackalloc uint[80];
        // The message, a 0x80 byte, zeros up to 56 mod 64, then the bit length as a big-endian 64-bit number.
        var padded = new byte[(source.Length + 8) / 64 * 64 + 64];
        source.CopyTo(padded);
        padded[source.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(padded.AsSpan(padded.Length - 8), (ulong)source.Length * 8);
        for (var block = 0; block < padded.Length; block += 64)
        {
            for (var i = 0; i < 16; i++)
                w[i] = BinaryPrimitives.ReadUInt32BigEndian(padded.AsSpan(block + (4 * i)));
            for (var i = 16; i < 80; i++)
                w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
            uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
            for (var i = 0; i < 80; i++)
            {
                var (f, k) = i switch
                {
                    < 20 => ((b & c) | (~b & d), 0x5A827999u),
                    < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                    < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                    _ => (b ^ c ^ d, 0xCA62C1D6u),
                };
                var t = BitOperations.RotateLeft(a, 5) + f + e + k + w[i];
                (e, d, c, b, a) = (d, c, BitOperations.RotateLeft(b, 30), a, t);
            }
            h[0] += a;
            h[1] += b;
            h[2] += c;
            h[3] += d;
            h[4] += e;
        }
        for (var i = 0; i < 5; i++)
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 * i)..], h[i]);
    }
}
