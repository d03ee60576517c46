using System.Net;
using System.Net.Sockets;

namespace L3Net.Ipam;

/// <summary>Addresses as 128-bit numbers so one code path serves IPv4 and IPv6 blocks alike.</summary>
internal static class AddressMath
{
    public static int Bits(AddressFamily family) => family == AddressFamily.InterNetwork ? 32 : 128;

    public static UInt128 ToNumber(IPAddress address)
    {
        UInt128 n = 0;
        foreach (var b in address.GetAddressBytes())
            n = (n << 8) | b;
        return n;
    }

    public static IPAddress FromNumber(UInt128 n, AddressFamily family)
    {
        var bytes = new byte[family == AddressFamily.InterNetwork ? 4 : 16];
        for (var i = bytes.Length - 1; i >= 0; i--, n >>= 8)
            bytes[i] = (byte)(n & 0xff);
        return new IPAddress(bytes);
    }

    /// <summary>Number of addresses in a prefix of <paramref name="prefixLength"/> (capped: IPAM never needs more
    /// than a block's worth, and blocks are at most 4096 addresses).</summary>
    public static UInt128 Size(AddressFamily family, int prefixLength)
    {
        var hostBits = Bits(family) - prefixLength;
        return hostBits >= 128 ? UInt128.MaxValue : UInt128.One << hostBits;
    }

    /// <summary>The <paramref name="prefixLength"/> network that contains <paramref name="address"/>.</summary>
    public static IPNetwork Enclosing(IPAddress address, int prefixLength)
    {
        var size = Size(address.AddressFamily, prefixLength);
        var n = ToNumber(address);
        return new IPNetwork(FromNumber(n - n % size, address.AddressFamily), prefixLength);
    }

    public static IPAddress At(IPNetwork network, UInt128 offset)
        => FromNumber(ToNumber(network.BaseAddress) + offset, network.BaseAddress.AddressFamily);

    public static int Ordinal(IPNetwork network, IPAddress address)
        => (int)(ToNumber(address) - ToNumber(network.BaseAddress));

    public static bool Contains(IPNetwork outer, IPNetwork inner)
        => inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);
}
