using System.Net;
using System.Net.Sockets;
using L3Net.Netlink;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Netlink;

/// <summary>Routes through our rtnetlink code: every attribute the dataplane uses, checked with `ip -j route`.</summary>
public sealed class NetlinkRouteTests : IDisposable
{
    private readonly TestNetwork _net = new();
    private readonly NetnsHost _host;
    private readonly RouteSocket _socket;
    private readonly int _a, _b;

    public NetlinkRouteTests()
    {
        _host = _net.AddHost("r");
        _socket = NetNamespace.OpenSocket(_host.NetnsPath);
        _socket.CreateVeth("ra", "rb");
        _a = _socket.GetLink("ra")!.Index;
        _b = _socket.GetLink("rb")!.Index;
        _socket.SetLinkUp(_a);
        _socket.SetLinkUp(_b);
        _socket.AddAddress(_a, IPAddress.Parse("10.5.0.1"), 24);
        _socket.AddAddress(_b, IPAddress.Parse("10.6.0.1"), 24);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _net.Dispose();
    }

    private static IPNetwork Net(string cidr) => IPNetwork.Parse(cidr);

    [Fact]
    public void Pod_style_routes_blackholes_and_multipath_round_trip()
    {
        var gateway = new Route(Net("169.254.1.1/32")) { OutputInterface = _a, Scope = RouteScope.Link, Protocol = RouteProtocol.L3Net };
        var viaOnLink = new Route(Net("10.20.0.0/16")) { Gateway = IPAddress.Parse("169.254.1.1"), OutputInterface = _a, OnLink = true, Protocol = RouteProtocol.L3Net };
        var blackhole = new Route(Net("10.244.1.0/26")) { Type = RouteType.Blackhole, Protocol = RouteProtocol.L3Net };
        var multipath = new Route(Net("10.30.0.0/24"))
        {
            Protocol = RouteProtocol.L3Net,
            NextHops = [new NextHop(IPAddress.Parse("10.5.0.2"), _a), new NextHop(IPAddress.Parse("10.6.0.2"), _b, Weight: 2)],
        };
        var inTable = new Route(Net("10.40.0.0/24")) { OutputInterface = _b, Scope = RouteScope.Link, Table = 1000, Metric = 50 };
        foreach (var r in new[] { gateway, viaOnLink, blackhole, multipath, inTable })
            _socket.AddRoute(r);

        var routes = IpJson.Query(_host, "route", "show", "proto", "77");
        Assert.Contains(routes, r => r.Str("dst") == "169.254.1.1" && r.Str("dev") == "ra" && r.Str("scope") == "link");
        Assert.Contains(routes, r => r.Str("dst") == "10.20.0.0/16" && r.Str("gateway") == "169.254.1.1" && r.HasFlag("onlink"));
        Assert.Contains(routes, r => r.Str("dst") == "10.244.1.0/26" && r.Str("type") == "blackhole");
        var mp = Assert.Single(routes, r => r.Str("dst") == "10.30.0.0/24");
        Assert.Equal(2, mp.GetProperty("nexthops").GetArrayLength());
        Assert.Contains(IpJson.Query(_host, "route", "show", "table", "1000"), r => r.Str("dst") == "10.40.0.0/24" && r.Str("metric") == "50");

        var listed = _socket.ListRoutes(AddressFamily.InterNetwork);
        foreach (var r in new[] { gateway, viaOnLink, blackhole, multipath })
            Assert.Contains(r, listed);
        Assert.Contains(inTable, _socket.ListRoutes(AddressFamily.InterNetwork, 1000));

        _socket.ReplaceRoute(blackhole with { Type = RouteType.Unicast, OutputInterface = _b, Scope = RouteScope.Link });
        Assert.Contains(IpJson.Query(_host, "route", "show", "10.244.1.0/26"), r => r.Str("dev") == "rb");
        Assert.True(_socket.DeleteRoute(multipath));
        Assert.False(_socket.DeleteRoute(multipath));
        Assert.Empty(IpJson.Query(_host, "route", "show", "10.30.0.0/24"));
        Assert.Throws<NetlinkException>(() => _socket.AddRoute(gateway));
    }

    [Fact]
    public void A_batch_of_many_changes_applies_all_and_reports_each_refusal()
    {
        var routes = Enumerable.Range(0, 600)
            .Select(i => new Route(Net($"10.100.{i / 256}.{i % 256}/32")) { OutputInterface = _a, Scope = RouteScope.Link, Protocol = RouteProtocol.L3Net })
            .ToList();
        var bad = new Route(Net("10.101.0.0/24")) { OutputInterface = 9999, Protocol = RouteProtocol.L3Net };
        var changes = routes.Select(r => new RouteChange(RouteOperation.Add, r)).Append(new RouteChange(RouteOperation.Add, bad)).ToList();

        var failures = _socket.ApplyRoutes(changes);

        var failure = Assert.Single(failures);
        Assert.Equal(bad, failure.Change.Route);
        Assert.Equal(NetlinkException.ENODEV, failure.Error.Errno);
        Assert.Equal(600, IpJson.Query(_host, "route", "show", "proto", "77").Length);

        var removal = routes.Select(r => new RouteChange(RouteOperation.Delete, r)).Append(new RouteChange(RouteOperation.Delete, bad)).ToList();
        Assert.Empty(_socket.ApplyRoutes(removal)); // deleting what is already gone is not a failure
        Assert.Empty(IpJson.Query(_host, "route", "show", "proto", "77"));
    }

    [Fact]
    public void Ipv6_routes_with_gateway_and_blackhole()
    {
        _socket.AddAddress(_a, IPAddress.Parse("fd10::1"), 64, noDad: true);
        var via = new Route(Net("fd20::/64")) { Gateway = IPAddress.Parse("fd10::2"), OutputInterface = _a, Protocol = RouteProtocol.L3Net };
        var hole = new Route(Net("fd30::/122")) { Type = RouteType.Blackhole, Protocol = RouteProtocol.L3Net };
        _socket.AddRoute(via);
        _socket.AddRoute(hole);
        var shown = IpJson.Query(_host, "-6", "route", "show", "proto", "77");
        Assert.Contains(shown, r => r.Str("dst") == "fd20::/64" && r.Str("gateway") == "fd10::2");
        Assert.Contains(shown, r => r.Str("dst") == "fd30::/122" && r.Str("type") == "blackhole");
        var listed = _socket.ListRoutes(AddressFamily.InterNetworkV6).Where(r => r.Protocol == RouteProtocol.L3Net).ToList();
        Assert.Equal(2, listed.Count);
        Assert.True(_socket.DeleteRoute(listed[0]));
        Assert.True(_socket.DeleteRoute(listed[1]));
    }
}
