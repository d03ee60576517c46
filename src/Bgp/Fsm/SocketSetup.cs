using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace L3Net.Bgp.Fsm;

/// <summary>
/// Per-socket protection: TCP MD5 signatures (RFC 2385, Linux TCP_MD5SIG) and GTSM (RFC 5082, IP_MINTTL /
/// IPV6_MINHOPCOUNT). Keys go on the listening socket too, or the kernel drops the peer's signed SYNs. A key the
/// kernel refuses is an error, never a silent fallback to an unsigned session.
/// </summary>
internal static class SocketSetup
{
    private const int IpProtoTcp = 6, TcpMd5Sig = 14, IpProtoIp = 0, IpMinTtl = 21, IpProtoIpv6 = 41, Ipv6MinHopCount = 73;
    private const int Md5StructSize = 216, Md5KeyMax = 80;

    /// <summary>Installs (or with a null password removes) the key for <paramref name="peer"/>; throws
    /// <see cref="Md5KeyException"/> when a key cannot be installed, so the caller never goes on unsigned.</summary>
    public static void SetMd5(Socket socket, IPAddress peer, string? password)
    {
        var key = password is null ? [] : System.Text.Encoding.UTF8.GetBytes(password);
        if (key.Length > Md5KeyMax)
            throw new Md5KeyException($"TCP MD5 key for {peer} is longer than {Md5KeyMax} bytes");
        var s = new byte[Md5StructSize];
        var v6Socket = socket.AddressFamily == AddressFamily.InterNetworkV6;
        var address = v6Socket ? (peer.AddressFamily == AddressFamily.InterNetwork ? peer.MapToIPv6() : peer) : peer.MapToIPv4();
        if (v6Socket)
        {
            BitConverter.TryWriteBytes(s.AsSpan(0), (ushort)10); // AF_INET6, host order
            address.TryWriteBytes(s.AsSpan(8), out _);
        }
        else
        {
            BitConverter.TryWriteBytes(s.AsSpan(0), (ushort)2); // AF_INET
            address.TryWriteBytes(s.AsSpan(4), out _);
        }
        BitConverter.TryWriteBytes(s.AsSpan(130), (ushort)key.Length);
        key.CopyTo(s, 136);
        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpMd5Sig, s);
        }
        catch (SocketException e) when (password is null)
        {
            _ = e; // removing a key that was never set
        }
        catch (SocketException e)
        {
            throw new Md5KeyException($"the kernel refused the TCP MD5 key for {peer}: {e.Message}");
        }
    }

    /// <summary>GTSM: send with TTL 255 and drop segments that crossed more than <paramref name="hops"/> - 1 routers.</summary>
    public static void SetTtlSecurity(Socket socket, int hops)
    {
        socket.Ttl = 255;
        var min = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(min, 256 - Math.Clamp(hops, 1, 255));
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket.SetRawSocketOption(IpProtoIpv6, Ipv6MinHopCount, min);
            if (!socket.DualMode)
                return;
        }
        socket.SetRawSocketOption(IpProtoIp, IpMinTtl, min);
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

/// <summary>A TCP MD5 key that could not be installed: the neighbour stays down rather than run unsigned.</summary>
internal sealed class Md5KeyException(string message) : Exception(message);
