using System.Buffers.Binary;
using L3Net.Netlink;
using Xunit;

namespace L3Net.Tests.Fuzz;

/// <summary>Crashes the netlink target found (reduced by hand): a reply the kernel would never send must be refused
/// as a malformed reply (<see cref="NetlinkException"/>), not crash the parser with ArgumentOutOfRange/ArgumentException.</summary>
public sealed class NetlinkRegressionTests
{
    private const ushort NEWADDR = 20, NEWROUTE = 24, ERROR = 2;
    private const uint Seq = 7;

    [Fact]
    public void A_route_whose_output_interface_attribute_is_two_bytes_is_a_malformed_reply()
        => AssertMalformed(Message(NEWROUTE, [.. RtMsg(family: 2, dstLength: 0), .. Attribute(4, [1, 0])]), RouteSocket.ParseRoute);

    [Fact]
    public void An_address_attribute_of_five_bytes_is_a_malformed_reply()
        => AssertMalformed(Message(NEWADDR, [.. IfAddrMsg(), .. Attribute(2, [10, 0, 0, 1, 9])]), RouteSocket.ParseAddress);

    [Fact]
    public void A_message_shorter_than_its_family_header_is_a_malformed_reply()
        => AssertMalformed(Message(NEWADDR, [2, 32, 0]), RouteSocket.ParseAddress);

    [Fact]
    public void An_error_message_without_its_errno_is_a_malformed_reply()
        => AssertMalformed(Message(ERROR, [0, 0]), RouteSocket.ParseRoute);

    [Fact]
    public void A_route_destination_longer_than_its_family_is_a_malformed_reply()
        => AssertMalformed(Message(NEWROUTE, [.. RtMsg(family: 2, dstLength: 33), .. Attribute(1, [10, 0, 0, 0])]), RouteSocket.ParseRoute);

    [Fact]
    public void A_well_formed_route_still_parses()
    {
        var interrupted = false;
        List<Route> routes = [];
        var datagram = Message(NEWROUTE, [.. RtMsg(family: 2, dstLength: 24), .. Attribute(1, [10, 9, 8, 0]), .. Attribute(4, [3, 0, 0, 0])]);
        RouteSocket.ReadDatagram(datagram, "list routes", Seq, dump: true, RouteSocket.ParseRoute, routes, ref interrupted);
        var route = Assert.Single(routes);
        Assert.Equal("10.9.8.0/24", route.Destination.ToString());
        Assert.Equal(3, route.OutputInterface);
    }

    /// <summary>A multipath route as the kernel dumps it (RTA_MULTIPATH: one rtnexthop per path, each holding its
    /// RTA_GATEWAY): both paths come back, with interface, gateway and weight (rtnh_hops is weight - 1).</summary>
    [Fact]
    public void A_multipath_route_parses_into_every_next_hop()
    {
        var interrupted = false;
        List<Route> routes = [];
        byte[] paths = [.. NextHop(ifindex: 3, weight: 1, gateway: [10, 0, 1, 1]), .. NextHop(ifindex: 4, weight: 2, gateway: [10, 0, 2, 1])];
        var datagram = Message(NEWROUTE, [.. RtMsg(family: 2, dstLength: 26), .. Attribute(1, [10, 244, 3, 0]), .. Attribute(9, paths)]);
        RouteSocket.ReadDatagram(datagram, "list routes", Seq, dump: true, RouteSocket.ParseRoute, routes, ref interrupted);
        var route = Assert.Single(routes);
        Assert.Equal("10.244.3.0/26", route.Destination.ToString());
        Assert.Null(route.Gateway);
        Assert.Equal(
            [new NextHop(System.Net.IPAddress.Parse("10.0.1.1"), 3), new NextHop(System.Net.IPAddress.Parse("10.0.2.1"), 4, Weight: 2)],
            route.NextHops);
    }

    private static byte[] NextHop(int ifindex, byte weight, byte[] gateway)
    {
        byte[] gatewayAttribute = Attribute(5, gateway);
        var h = new byte[8 + gatewayAttribute.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)h.Length);
        h[3] = (byte)(weight - 1);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4), ifindex);
        gatewayAttribute.CopyTo(h, 8);
        return h;
    }

    private static void AssertMalformed<T>(byte[] datagram, ReplyParser<T> parser) where T : class
    {
        var interrupted = false;
        var e = Assert.Throws<NetlinkException>(() =>
            RouteSocket.ReadDatagram(datagram, "list", Seq, dump: true, parser, [], ref interrupted));
        Assert.Contains("malformed netlink reply", e.Message);
    }

    private static byte[] Message(ushort type, byte[] payload)
    {
        var m = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), type);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), Seq);
        payload.CopyTo(m, 16);
        return m;
    }

    private static byte[] Attribute(ushort type, byte[] value)
    {
        var a = new byte[(4 + value.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(2), type);
        value.CopyTo(a, 4);
        return a;
    }

    private static byte[] RtMsg(byte family, byte dstLength) => [family, dstLength, 0, 0, 254, 80, 0, 1, 0, 0, 0, 0];

    private static byte[] IfAddrMsg() => [2, 32, 0, 0, 1, 0, 0, 0];
}
