using System.Net;
using L3Net.Ipam;
using Xunit;

namespace L3Net.Tests.Unit.Ipam;

public sealed class IpamAssignTests
{
    private static CancellationToken Ct => IpamTestbed.Ct;

    [Fact]
    public async Task First_assign_claims_a_block_for_the_node_and_later_ones_fill_it()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.244.0.0/16");
        var first = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        var second = Assert.Single(await bed.AssignAsync("net.c2", "node-a"));

        Assert.Equal("default", first.Pool);
        Assert.Equal(26, first.Block.PrefixLength);
        Assert.Equal(first.Block, second.Block);
        Assert.NotEqual(first.Address, second.Address);
        Assert.True(first.Block.Contains(first.Address));
        Assert.Equal([first.Block], await bed.Ipam.AffineBlocksAsync("node-a", Ct));
        var block = Assert.Single(await bed.Ipam.ListBlocksAsync(Ct));
        Assert.Equal("node-a", block.Node);
        Assert.Equal(["net.c1", "net.c2"], block.Allocations.Select(a => a.Handle).Order());
    }

    [Fact]
    public async Task Two_nodes_get_different_blocks()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.244.0.0/16");
        var a = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        var b = Assert.Single(await bed.AssignAsync("net.c2", "node-b"));
        Assert.NotEqual(a.Block, b.Block);
        Assert.Equal([b.Block], await bed.Ipam.AffineBlocksAsync("node-b", Ct));
    }

    [Fact]
    public async Task Release_by_handle_frees_exactly_that_handle_and_is_idempotent()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.244.0.0/16");
        await bed.AssignAsync("net.c1", "node-a", num4: 2);
        var kept = Assert.Single(await bed.AssignAsync("net.c2", "node-a"));

        Assert.Equal(2, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
        Assert.Equal(0, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
        Assert.Equal(0, await bed.Ipam.ReleaseByHandleAsync("net.never", Ct));
        var left = Assert.Single(Assert.Single(await bed.Ipam.ListBlocksAsync(Ct)).Allocations);
        Assert.Equal(kept.Address, left.Address);
        Assert.Null(await bed.Store.GetAsync(IpamKeys.Handle("net.c1"), Ct));
    }

    [Fact]
    public async Task A_second_assignment_to_a_handle_adds_to_its_record()
    {
        // The handle's first raise creates its record unread; a later one finds it there and must add to it.
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.244.0.0/16");
        await bed.AssignAsync("net.c1", "node-a");
        await bed.AssignAsync("net.c1", "node-a");

        var record = System.Text.Json.Nodes.JsonNode.Parse((await bed.Store.GetAsync(IpamKeys.Handle("net.c1"), Ct))!.Value.Span)!;
        Assert.Equal(2, Assert.Single(record["blocks"]!.AsObject()).Value!.GetValue<int>());
        Assert.Equal(2, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
    }

    [Fact]
    public async Task Release_by_address_frees_one_and_reports_a_free_address_as_not_released()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.244.0.0/16");
        var two = await bed.AssignAsync("net.c1", "node-a", num4: 2);

        Assert.True(await bed.Ipam.ReleaseAddressAsync(two[0].Address, Ct));
        Assert.False(await bed.Ipam.ReleaseAddressAsync(two[0].Address, Ct));
        Assert.False(await bed.Ipam.ReleaseAddressAsync(IPAddress.Parse("192.0.2.1"), Ct));
        Assert.Equal(1, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
    }

    [Fact]
    public async Task A_released_address_is_the_last_to_be_reused()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("small", "10.1.0.0/30", blockSize: 30);
        var first = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct);
        var next = await bed.AssignAsync("net.c2", "node-a", num4: 3);
        Assert.DoesNotContain(first.Address, next.Select(a => a.Address));
        Assert.Equal(first.Address, Assert.Single(await bed.AssignAsync("net.c3", "node-a")).Address);
    }

    [Fact]
    public async Task A_node_borrows_from_another_nodes_block_when_no_block_is_free()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("tiny", "10.2.0.0/29", blockSize: 30); // two blocks of four
        var a = await bed.AssignAsync("net.a1", "node-a", num4: 4);
        var b = Assert.Single(await bed.AssignAsync("net.b1", "node-b"));
        var borrowed = await bed.AssignAsync("net.a2", "node-a", num4: 2);

        Assert.All(borrowed, x => Assert.Equal(b.Block, x.Block));
        Assert.Equal(borrowed.Select(x => x.Address.ToString()).Order(), (await bed.Ipam.BorrowedAddressesAsync("node-a", Ct)).Select(x => x.ToString()).Order());
        Assert.Empty(await bed.Ipam.BorrowedAddressesAsync("node-b", Ct));
        Assert.Equal([a[0].Block], await bed.Ipam.AffineBlocksAsync("node-a", Ct));
    }

    [Fact]
    public async Task Strict_affinity_never_borrows()
    {
        await using var bed = new IpamTestbed();
        await bed.ConfigureAsync(strictAffinity: true);
        await bed.AddPoolAsync("tiny", "10.2.0.0/29", blockSize: 30);
        await bed.AssignAsync("net.a1", "node-a", num4: 4);
        await bed.AssignAsync("net.b1", "node-b");
        await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.a2", "node-a"));
        Assert.Empty(await bed.Ipam.BorrowedAddressesAsync("node-a", Ct));
    }

    [Fact]
    public async Task An_exhausted_30_pool_says_so_and_names_the_pool()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("thirty", "10.3.0.0/30");
        var four = await bed.AssignAsync("net.c1", "node-a", num4: 4);
        Assert.Equal(4, four.Select(a => a.Address).Distinct().Count());
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => bed.AssignAsync("net.c2", "node-b"));
        Assert.Contains("pool exhausted", e.Message);
        Assert.Contains("thirty (10.3.0.0/30)", e.Message);
        Assert.Equal(4, await bed.InUseAsync());
        Assert.Null(await bed.Store.GetAsync(IpamKeys.Handle("net.c2"), Ct));
    }

    [Fact]
    public async Task A_static_address_is_given_once_and_refused_to_another_handle()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("default", "10.244.0.0/16");
        var ip = IPAddress.Parse("10.244.7.9");
        var got = await bed.Ipam.AssignSpecificAsync(ip, "net.c1", "node-a", ct: Ct);

        Assert.Equal(IPNetwork.Parse("10.244.7.0/26"), got.Block);
        Assert.Equal([got.Block], await bed.Ipam.AffineBlocksAsync("node-a", Ct));
        Assert.Equal(ip, (await bed.Ipam.AssignSpecificAsync(ip, "net.c1", "node-a", ct: Ct)).Address); // retried ADD
        var e = await Assert.ThrowsAsync<AddressInUseException>(() => bed.Ipam.AssignSpecificAsync(ip, "net.c2", "node-b", ct: Ct));
        Assert.Contains("10.244.7.9 is already assigned (handle net.c1)", e.Message);
        var outside = await Assert.ThrowsAsync<NoSuitablePoolException>(
            () => bed.Ipam.AssignSpecificAsync(IPAddress.Parse("192.0.2.5"), "net.c3", "node-a", ct: Ct));
        Assert.Contains("outside every IP pool", outside.Message);
        Assert.Equal(1, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
        Assert.Equal(0, await bed.Ipam.ReleaseByHandleAsync("net.c2", Ct));
    }

    [Fact]
    public async Task A_node_selector_that_excludes_the_node_is_named_in_the_error()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("rack1", "10.4.0.0/24", nodeSelector: "rack == 'r1'");
        await bed.AddNodeAsync("in-rack", ("rack", "r1"));
        await bed.AddNodeAsync("elsewhere", ("rack", "r2"));

        Assert.Single(await bed.AssignAsync("net.c1", "in-rack"));
        var e = await Assert.ThrowsAsync<NoSuitablePoolException>(() => bed.AssignAsync("net.c2", "elsewhere"));
        Assert.Contains("rack1: rack == 'r1'", e.Message);
        Assert.Contains("exclude node elsewhere", e.Message);
    }

    [Fact]
    public async Task IPv6_and_dual_stack_come_from_the_pools_of_each_family()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("v4", "10.244.0.0/16");
        await bed.AddPoolAsync("v6", "fd00:10:244::/64");
        var v6 = Assert.Single(await bed.AssignAsync("net.c1", "node-a", num4: 0, num6: 1));
        var dual = await bed.AssignAsync("net.c2", "node-a", num4: 1, num6: 1);

        Assert.True(IPNetwork.Parse("fd00:10:244::/64").Contains(v6.Address));
        Assert.Equal("v6", v6.Pool);
        Assert.Equal(122, v6.Block.PrefixLength);
        Assert.Equal(["v4", "v6"], dual.Select(a => a.Pool));
        Assert.Equal(v6.Block, dual[1].Block);
        Assert.Equal(2, (await bed.Ipam.AffineBlocksAsync("node-a", Ct)).Count);
        Assert.Equal(2, await bed.Ipam.ReleaseByHandleAsync("net.c2", Ct));
    }

    [Fact]
    public async Task Dual_stack_is_all_or_nothing()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("v4", "10.244.0.0/16");
        var e = await Assert.ThrowsAsync<NoSuitablePoolException>(() => bed.AssignAsync("net.c1", "node-a", num4: 1, num6: 1));
        Assert.Contains("IPv6", e.Message);
        Assert.Equal(0, await bed.InUseAsync());
        Assert.Null(await bed.Store.GetAsync(IpamKeys.Handle("net.c1"), Ct));
    }

    [Fact]
    public async Task Named_pools_restrict_the_choice()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("a", "10.5.0.0/24");
        await bed.AddPoolAsync("b", "10.6.0.0/24");
        Assert.Equal("b", Assert.Single(await bed.AssignAsync("net.c1", "node-a", pools: ["b"])).Pool);
        Assert.Equal("a", Assert.Single(await bed.AssignAsync("net.c2", "node-a", pools: ["10.5.0.0/24"])).Pool);
        await Assert.ThrowsAsync<NoSuitablePoolException>(() => bed.AssignAsync("net.c3", "node-a", pools: ["nope"]));
    }
}
