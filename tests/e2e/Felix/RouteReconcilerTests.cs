using System.Net;
using L3Net.Felix.Routes;
using L3Net.Netlink;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Felix;

/// <summary>The route applier against a real kernel: a released block's blackhole must leave the kernel, both as an
/// incremental change and on a resync (the kernel matches a delete on the route type, so a unicast delete misses it);
/// endpoint and learned routes (ECMP, IPv6) leave it through the one delete that names them as applied; a link-local
/// next hop goes out of the interface its scope ID names.</summary>
public sealed class RouteReconcilerTests
{
    [Fact]
    public void A_blackhole_no_longer_desired_is_deleted_incrementally_and_on_resync_and_foreign_routes_stay()
    {
        Requires.Netns();
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        host.Ip("route", "add", "blackhole", "10.244.9.0/26"); // foreign (protocol boot): never ours to delete
        using var socket = NetNamespace.OpenSocket(host.NetnsPath);
        var reconciler = new RouteReconciler(socket);
        var table = new RouteTable();
        var a = IPNetwork.Parse("10.244.1.0/26");
        var b = IPNetwork.Parse("10.244.2.0/26");

        table.SetBlocks([a, b]);
        Assert.Equal(0, reconciler.Apply(table.TakeChanges()).Failed);
        Assert.Equal(2, Blackholes(host).Length);

        table.SetBlocks([b]);
        Assert.Equal(0, reconciler.Apply(table.TakeChanges()).Failed);
        Assert.Equal(["10.244.2.0/26"], Blackholes(host));

        // A blackhole the kernel holds but nobody wants any more (left by a previous process): the resync removes it.
        var fresh = new RouteTable();
        var repaired = reconciler.Resync(fresh.All());
        Assert.Equal((1, 0), (repaired.Deleted, repaired.Failed));
        Assert.Empty(Blackholes(host));
        Assert.Contains("blackhole 10.244.9.0/26", host.Ip("route"), StringComparison.Ordinal);
    }

    [Fact]
    public void Removed_endpoint_and_learned_routes_leave_the_kernel_through_one_delete_each()
    {
        Requires.Netns();
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        foreach (var (name, address) in new[] { ("cali1", (string?)null), ("up0", "10.0.0.1/24"), ("up6", "fd00::1/64") })
        {
            host.Ip("link", "add", name, "type", "veth", "peer", "name", name + "p");
            host.Ip("link", "set", name + "p", "up");
            if (address is not null)
                host.Ip("addr", "add", address, "dev", name, "nodad");
            host.Ip("link", "set", name, "up");
        }
        using var socket = NetNamespace.OpenSocket(host.NetnsPath);
        var reconciler = new RouteReconciler(socket);
        var table = new RouteTable();
        table.SetEndpoint("ns/p", "cali1", [IPNetwork.Parse("10.244.1.5/32"), IPNetwork.Parse("fd00:10::5/128")]);
        table.SetLearned(IPNetwork.Parse("10.244.2.0/26"), [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.3")]);
        table.SetLearned(IPNetwork.Parse("fd00:20::/122"), [IPAddress.Parse("fd00::2")]);
        Assert.Equal(0, reconciler.Apply(table.TakeChanges()).Failed);
        Assert.Equal(4, reconciler.ListOwn().Count());

        table.RemoveEndpoint("ns/p");
        table.SetLearned(IPNetwork.Parse("10.244.2.0/26"), []);
        table.SetLearned(IPNetwork.Parse("fd00:20::/122"), []);
        var removed = reconciler.Apply(table.TakeChanges());

        Assert.Equal((0, 4, 0), (removed.Upserted, removed.Deleted, removed.Failed));
        Assert.Empty(reconciler.ListOwn());
    }

    [Fact]
    public void A_link_local_next_hop_goes_out_of_its_scoped_interface_and_a_resync_leaves_it_alone()
    {
        Requires.Netns();
        using var net = new TestNetwork();
        var host = net.AddHost("felix");
        host.Ip("link", "add", "up6", "type", "veth", "peer", "name", "up6p");
        host.Ip("link", "set", "up6p", "up");
        host.Ip("link", "set", "up6", "up");
        using var socket = NetNamespace.OpenSocket(host.NetnsPath);
        var index = socket.ListLinks().Single(l => l.Name == "up6").Index;
        var reconciler = new RouteReconciler(socket);
        var table = new RouteTable();
        var prefix = IPNetwork.Parse("fd00:20::/122");
        table.SetLearned(prefix, [new IPAddress(IPAddress.Parse("fe80::2").GetAddressBytes(), index)]);

        Assert.Equal(0, reconciler.Apply(table.TakeChanges()).Failed);
        Assert.Contains("fd00:20::/122 via fe80::2 dev up6 ", host.Ip("-6", "route", "show", "proto", "77"), StringComparison.Ordinal);
        var resync = reconciler.Resync(table.All());
        Assert.Equal((0, 0, 0), (resync.Upserted, resync.Deleted, resync.Failed));

        table.SetLearned(prefix, []);
        var removed = reconciler.Apply(table.TakeChanges());
        Assert.Equal((0, 1, 0), (removed.Upserted, removed.Deleted, removed.Failed));
        Assert.Empty(reconciler.ListOwn());
    }

    private static string[] Blackholes(NetnsHost host)
        => host.Ip("route", "show", "proto", "77", "type", "blackhole").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ').First(t => t.Contains('/', StringComparison.Ordinal))).ToArray();
}
