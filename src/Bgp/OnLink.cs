using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace L3Net.Bgp;

/// <summary>
/// RFC 2545 3: an IPv6 next hop carries our link-local address besides the global one when the peer shares a subnet
/// with that global address, so that on-link peers (BIRD, FRR) can install the route via the link-local address.
/// </summary>
public static class OnLink
{
    /// <summary>The link-local address of the interface holding <paramref name="local"/>, when
    /// <paramref name="peer"/> is inside that address's subnet; null otherwise (IPv4, multihop, unknown address).
    /// Reads the interfaces of the calling thread's network namespace.</summary>
    public static IPAddress? LinkLocalFor(IPAddress local, IPAddress peer)
    {
        if (local.AddressFamily != AddressFamily.InterNetworkV6 || local.IsIPv4MappedToIPv6 || peer.AddressFamily != AddressFamily.InterNetworkV6)
            return null;
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var addresses = nic.GetIPProperties().UnicastAddresses;
            var own = addresses.FirstOrDefault(a => a.Address.Equals(local));
            if (own is not null)
                return SameSubnet(local, peer, own.PrefixLength) ? addresses.Select(a => a.Address).FirstOrDefault(a => a.IsIPv6LinkLocal) : null;
        }
        return null;
    }

    private static bool SameSubnet(IPAddress a, IPAddress b, int prefixLength)
    {
        var x = a.GetAddressBytes();
        var y = b.GetAddressBytes();
        for (var bit = 0; bit < prefixLength; bit++)
            if (((x[bit / 8] ^ y[bit / 8]) & (0x80 >> (bit % 8))) != 0)
                return false;
        return true;
    }
}
