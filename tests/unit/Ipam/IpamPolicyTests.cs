using System.Net;
using L3Net.Ipam;
using Xunit;

namespace L3Net.Tests.Unit.Ipam;

/// <summary>IPReservation, IPAMConfiguration (strictAffinity, maxBlocksPerHost) and Manual pools, over real SQLite.</summary>
public sealed class IpamPolicyTests
{
    private static CancellationToken Ct => IpamTestbed.Ct;

    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    [Fact]
    public async Task Auto_assign_skips_reserved_addresses_and_cidrs()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("tiny", "10.5.0.0/29", blockSize: 29);
        await bed.ReserveAsync("gateways", "10.5.0.0", "10.5.0.4/31");
        var got = await bed.AssignAsync("net.c1", "node-a", num4: 5);
        Assert.Equal(["10.5.0.1", "10.5.0.2", "10.5.0.3", "10.5.0.6", "10.5.0.7"], got.Select(a => a.Address.ToString()).Order());
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.c2", "node-a"));
        Assert.Contains("pool exhausted", e.Message);
    }

    [Fact]
    public async Task Reservations_bind_ipv6_too()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("v6", "fd00:5::/125", blockSize: 125);
        await bed.ReserveAsync("low", "fd00:5::/126");
        var got = await bed.AssignAsync("net.c1", "node-a", num4: 0, num6: 4);
        Assert.Equal(["fd00:5::4", "fd00:5::5", "fd00:5::6", "fd00:5::7"], got.Select(a => a.Address.ToString()).Order());
    }

    [Fact]
    public async Task A_static_request_for_a_reserved_address_is_honoured_as_in_calico()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.6.0.0/24");
        await bed.ReserveAsync("vip", "10.6.0.10");
        var got = await bed.Ipam.AssignSpecificAsync(Ip("10.6.0.10"), "net.static", "node-a", ct: Ct);
        Assert.Equal(Ip("10.6.0.10"), got.Address);
    }

    [Fact]
    public async Task Reserving_addresses_in_use_revokes_nothing_and_they_are_not_reused_after_release()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("tiny", "10.7.0.0/30", blockSize: 30);
        var held = await bed.AssignAsync("net.c1", "node-a", num4: 2);
        await bed.ReserveAsync("taken", [.. held.Select(a => a.Address.ToString())]);
        Assert.Equal(held.Select(a => a.Address.ToString()).Order(),
            (await bed.Ipam.ListBlocksAsync(Ct)).Single().Allocations.Select(a => a.Address.ToString()).Order());

        Assert.Equal(2, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
        var next = await bed.AssignAsync("net.c2", "node-a", num4: 2);
        Assert.Empty(next.Select(a => a.Address).Intersect(held.Select(a => a.Address)));
        await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.c3", "node-a"));
    }

    [Fact]
    public async Task A_wholly_reserved_block_is_never_claimed()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("two-blocks", "10.8.0.0/29", blockSize: 30);
        await bed.ReserveAsync("first-half", "10.8.0.0/30");
        var got = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        Assert.Equal(IPNetwork.Parse("10.8.0.4/30"), got.Block);
        Assert.Equal([got.Block], await bed.Ipam.AffineBlocksAsync("node-a", Ct));
        await bed.AssignAsync("net.c2", "node-a", num4: 3);
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.c3", "node-b"));
        Assert.Contains("10.8.0.0/29", e.Message);
        Assert.Single(await bed.Ipam.ListBlocksAsync(Ct));
    }

    [Fact]
    public async Task A_reservation_over_a_huge_ipv6_range_does_not_stall_the_block_search()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("v6", "fd00:9::/64");
        await bed.ReserveAsync("most", "fd00:9::/65");
        var got = Assert.Single(await bed.AssignAsync("net.c1", "node-a", num4: 0, num6: 1));
        Assert.False(IPNetwork.Parse("fd00:9::/65").Contains(got.Address));
    }

    [Fact]
    public async Task Strict_affinity_from_the_resource_fails_with_an_error_that_names_it()
    {
        await using var bed = new IpamTestbed();
        await bed.ConfigureAsync(strictAffinity: true);
        await bed.AddPoolAsync("tiny", "10.2.0.0/29", blockSize: 30);
        await bed.AssignAsync("net.a1", "node-a", num4: 4);
        await bed.AssignAsync("net.b1", "node-b");
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.a2", "node-a"));
        Assert.Contains("strict affinity: node node-a may not borrow", e.Message);
        Assert.Empty(await bed.Ipam.BorrowedAddressesAsync("node-a", Ct));
    }

    [Fact]
    public async Task Without_the_resource_a_node_borrows()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("tiny", "10.2.0.0/29", blockSize: 30);
        await bed.AssignAsync("net.a1", "node-a", num4: 4);
        await bed.AssignAsync("net.b1", "node-b");
        await bed.AssignAsync("net.a2", "node-a");
        Assert.Single(await bed.Ipam.BorrowedAddressesAsync("node-a", Ct));
    }

    [Fact]
    public async Task Max_blocks_per_host_stops_claims_and_the_node_borrows_instead()
    {
        await using var bed = new IpamTestbed();
        await bed.ConfigureAsync(maxBlocksPerHost: 1);
        await bed.AddPoolAsync("small", "10.3.0.0/28", blockSize: 30);
        await bed.AssignAsync("net.b1", "node-b");
        await bed.AssignAsync("net.a1", "node-a", num4: 4);
        var borrowed = Assert.Single(await bed.AssignAsync("net.a2", "node-a"));
        Assert.Single(await bed.Ipam.AffineBlocksAsync("node-a", Ct));
        Assert.Equal([borrowed.Address], await bed.Ipam.BorrowedAddressesAsync("node-a", Ct));
        Assert.Equal(2, (await bed.Ipam.ListBlocksAsync(Ct)).Count); // two of the four blocks were never claimed
    }

    [Fact]
    public async Task Max_blocks_per_host_with_strict_affinity_fails_naming_the_limit()
    {
        await using var bed = new IpamTestbed();
        await bed.ConfigureAsync(strictAffinity: true, maxBlocksPerHost: 2);
        await bed.AddPoolAsync("small", "10.3.0.0/28", blockSize: 30);
        await bed.AssignAsync("net.a1", "node-a", num4: 8);
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.a2", "node-a"));
        Assert.Contains("node node-a owns 2 block(s), the maxBlocksPerHost limit of the IPAMConfiguration, and strict affinity forbids borrowing", e.Message);
        Assert.Equal(2, (await bed.Ipam.AffineBlocksAsync("node-a", Ct)).Count);
        // Another node still claims the blocks node-a may not.
        Assert.Single(await bed.AssignAsync("net.b1", "node-b"));
    }

    [Fact]
    public async Task A_static_address_does_not_claim_a_block_beyond_the_limit()
    {
        await using var bed = new IpamTestbed();
        await bed.ConfigureAsync(maxBlocksPerHost: 1);
        await bed.AddPoolAsync("default", "10.4.0.0/24");
        var auto = Assert.Single(await bed.AssignAsync("net.a1", "node-a"));
        var outside = auto.Block.BaseAddress.Equals(Ip("10.4.0.0")) ? Ip("10.4.0.200") : Ip("10.4.0.5");
        var stat = await bed.Ipam.AssignSpecificAsync(outside, "net.static", "node-a", ct: Ct);
        Assert.Equal([auto.Block], await bed.Ipam.AffineBlocksAsync("node-a", Ct));
        Assert.Null((await bed.Ipam.ListBlocksAsync(Ct)).Single(b => b.Cidr == stat.Block).Node);
    }

    [Fact]
    public async Task A_manual_pool_serves_only_requests_that_name_it()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("auto", "10.10.0.0/24");
        await bed.AddPoolAsync("a-manual", "10.11.0.0/24", assignmentMode: "Manual"); // sorts first: order alone would pick it
        Assert.Equal("auto", Assert.Single(await bed.AssignAsync("net.c1", "node-a")).Pool);
        Assert.Equal("a-manual", Assert.Single(await bed.AssignAsync("net.c2", "node-a", pools: ["a-manual"])).Pool);
    }
}
