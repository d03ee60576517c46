using System.Net;
using System.Net.NetworkInformation;
using L3Net.Netlink;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Netlink;

/// <summary>Links and addresses through our rtnetlink code, checked against `ip -j` in real namespaces.</summary>
public sealed class NetlinkLinkTests
{
    [Fact]
    public void Veth_with_peer_in_another_namespace_is_configured_and_deleted()
    {
        using var net = new TestNetwork();
        var a = net.AddHost("a");
        var b = net.AddHost("b");
        using var sa = NetNamespace.OpenSocket(a.NetnsPath);
        using var sb = NetNamespace.OpenSocket(b.NetnsPath);
        using (var bFd = NetNamespace.Open(b.NetnsPath))
            sa.CreateVeth("va", "tmp0", bFd, mtu: 1400, mac: PhysicalAddress.Parse("EE-EE-EE-EE-EE-EE"));

        var va = sa.GetLink("va")!;
        Assert.Equal(1400, va.Mtu);
        Assert.Equal("veth", va.Kind);
        Assert.Null(sa.GetLink("tmp0"));
        var peer = sb.GetLink("tmp0")!;
        sb.RenameLink(peer.Index, "eth0");
        sb.SetMtu(peer.Index, 1300);
        sb.SetMac(peer.Index, PhysicalAddress.Parse("02-00-00-00-00-05"));
        sb.SetLinkUp(peer.Index);
        sa.SetLinkUp(va.Index);
        sb.AddAddress(peer.Index, IPAddress.Parse("10.9.0.5"), 32);
        sb.AddAddress(peer.Index, IPAddress.Parse("fd00::5"), 128, noDad: true);

        var eth0 = IpJson.Link(b, "eth0")!.Value;
        Assert.Equal("1300", eth0.Str("mtu"));
        Assert.Equal("02:00:00:00:00:05", eth0.Str("address"));
        Assert.True(eth0.HasFlag("UP"));
        Assert.Equal("ee:ee:ee:ee:ee:ee", IpJson.Link(a, "va")!.Value.Str("address"));
        var addrs = IpJson.Query(b, "addr", "show", "dev", "eth0")[0].GetProperty("addr_info").EnumerateArray()
            .Select(x => $"{x.Str("local")}/{x.Str("prefixlen")}").ToList();
        Assert.Contains("10.9.0.5/32", addrs);
        Assert.Contains("fd00::5/128", addrs);
        Assert.Contains(sb.ListAddresses(index: peer.Index), x => x.Address.Equals(IPAddress.Parse("10.9.0.5")) && x.PrefixLength == 32);
        Assert.Contains(sb.ListLinks(), l => l.Name == "eth0" && l.IsUp && l.Mtu == 1300);

        Assert.True(sb.DeleteAddress(peer.Index, IPAddress.Parse("10.9.0.5"), 32));
        Assert.False(sb.DeleteAddress(peer.Index, IPAddress.Parse("10.9.0.5"), 32));
        Assert.True(sa.DeleteLink("va"));
        Assert.False(sa.DeleteLink("va"));
        Assert.Null(IpJson.Link(a, "va"));
        Assert.Null(IpJson.Link(b, "eth0")); // deleting one end of a veth removes the other
    }

    [Fact]
    public void Kernel_refusals_are_typed_and_name_the_operation()
    {
        using var net = new TestNetwork();
        var a = net.AddHost("a");
        using var s = NetNamespace.OpenSocket(a.NetnsPath);
        var e = Assert.Throws<NetlinkException>(() => s.AddAddress(4242, IPAddress.Parse("10.1.1.1"), 32));
        Assert.Equal(NetlinkException.ENODEV, e.Errno);
        Assert.Contains("add address 10.1.1.1/32 to #4242", e.Message);
        s.CreateVeth("x1", "x2");
        var dup = Assert.Throws<NetlinkException>(() => s.CreateVeth("x1", "x3"));
        Assert.True(dup.IsAlreadyExists, dup.Message);
    }

    [Fact]
    public void Run_enters_the_namespace_on_its_own_thread_and_leaves_the_caller_alone()
    {
        using var net = new TestNetwork();
        var a = net.AddHost("a");
        var before = NamespaceId();
        var inside = NetNamespace.Run(a.NetnsPath, () =>
        {
            Sysctl.Write(Sysctl.Interface("ipv4", "lo", "forwarding"), "1");
            return NamespaceId();
        });
        Assert.NotEqual(before, inside);
        Assert.Equal(before, NamespaceId());
        Assert.Equal("1", a.Exec("sysctl", "-n", "net.ipv4.conf.lo.forwarding").Stdout.Trim());
        Assert.Equal("1", NetNamespace.Run(a.NetnsPath, () => Sysctl.Read("net.ipv4.conf.lo.forwarding")));
        Assert.Throws<InvalidOperationException>(() => NetNamespace.Run(a.NetnsPath, () => throw new InvalidOperationException("body")));
    }

    [Fact]
    public void Neighbours_are_set_listed_and_deleted()
    {
        using var net = new TestNetwork();
        var a = net.AddHost("a");
        using var s = NetNamespace.OpenSocket(a.NetnsPath);
        s.CreateVeth("n1", "n2");
        var n1 = s.GetLink("n1")!;
        s.SetLinkUp(n1.Index);
        var entry = new Neighbour(n1.Index, IPAddress.Parse("10.7.0.9"), PhysicalAddress.Parse("02-00-00-00-00-09"), NeighbourState.Permanent);
        s.SetNeighbour(entry);
        var shown = IpJson.Query(a, "neigh", "show", "dev", "n1");
        Assert.Contains(shown, n => n.Str("dst") == "10.7.0.9" && n.Str("lladdr") == "02:00:00:00:00:09");
        Assert.Contains(s.ListNeighbours(System.Net.Sockets.AddressFamily.InterNetwork, n1.Index), n => n == entry);
        Assert.True(s.DeleteNeighbour(entry));
        Assert.DoesNotContain(IpJson.Query(a, "neigh", "show", "dev", "n1"), n => n.Str("dst") == "10.7.0.9");
    }

    private static string NamespaceId() => new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "";
}
