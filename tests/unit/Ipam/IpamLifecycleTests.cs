using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Unit.Ipam;

/// <summary>Pools going away, nodes going away, blocks given back.</summary>
public sealed class IpamLifecycleTests
{
    private static CancellationToken Ct => IpamTestbed.Ct;

    [Fact]
    public async Task A_disabled_pool_gives_nothing_new_but_keeps_what_it_gave()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.7.0.0/24");
        var held = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        var pool = (await bed.Resources.GetAsync<IPPool>("p", ct: Ct))!;
        pool.Spec.Disabled = true;
        await bed.Resources.UpdateAsync(pool, Ct);

        var e = await Assert.ThrowsAsync<NoSuitablePoolException>(() => bed.AssignAsync("net.c2", "node-a"));
        Assert.Contains("no enabled IPv4 IP pool", e.Message);
        Assert.Equal(held.Address, Assert.Single(Assert.Single(await bed.Ipam.ListBlocksAsync(Ct)).Allocations).Address);
    }

    [Fact]
    public async Task Deleting_a_pool_in_use_is_refused_with_the_count_then_allowed_once_empty()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.7.0.0/24");
        await bed.AssignAsync("net.c1", "node-a", num4: 3);

        var e = await Assert.ThrowsAsync<PoolInUseException>(() => bed.Ipam.DeletePoolAsync("p", Ct));
        Assert.Equal(3, e.InUse);
        Assert.False((await bed.Resources.GetAsync<IPPool>("p", ct: Ct))!.Spec.Disabled);

        await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct);
        await bed.Ipam.DeletePoolAsync("p", Ct);
        Assert.Null(await bed.Resources.GetAsync<IPPool>("p", ct: Ct));
        Assert.Empty(await bed.Ipam.ListBlocksAsync(Ct));
        Assert.Empty(await bed.Ipam.AffineBlocksAsync("node-a", Ct));
    }

    [Fact]
    public async Task Empty_blocks_go_back_to_the_pool()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.8.0.0/24", blockSize: 28);
        var used = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        var freed = Assert.Single(await bed.AssignAsync("net.c2", "node-b"));
        await bed.Ipam.ReleaseByHandleAsync("net.c2", Ct);

        Assert.Empty(await bed.Ipam.ReleaseEmptyBlocksAsync("node-a", Ct));
        Assert.Equal([freed.Block], await bed.Ipam.ReleaseEmptyBlocksAsync("node-b", Ct));
        Assert.Empty(await bed.Ipam.AffineBlocksAsync("node-b", Ct));
        Assert.Equal([used.Block], (await bed.Ipam.ListBlocksAsync(Ct)).Select(b => b.Cidr));
        Assert.True((await bed.Ipam.CheckAsync(TimeSpan.Zero, Ct)).Affinities.Count == 0);
    }

    [Fact]
    public async Task A_deleted_node_loses_its_addresses_and_blocks_but_borrowers_keep_theirs()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("tiny", "10.2.0.0/29", blockSize: 30);
        await bed.AssignAsync("net.a1", "node-a", num4: 2);
        await bed.AssignAsync("net.b1", "node-b", num4: 4);
        var borrowed = await bed.AssignAsync("net.b2", "node-b", num4: 2); // from node-a's block

        var result = await bed.Ipam.ReleaseNodeAsync("node-a", Ct);

        Assert.Equal(new NodeReleaseResult(2, 1), result);
        Assert.Empty(await bed.Ipam.AffineBlocksAsync("node-a", Ct));
        var kept = Assert.Single(await bed.Ipam.ListBlocksAsync(Ct), b => b.Cidr == borrowed[0].Block);
        Assert.Null(kept.Node);
        Assert.Equal(borrowed.Select(a => a.Address.ToString()).Order(), kept.Allocations.Select(a => a.Address.ToString()).Order());
        Assert.Equal(2, (await bed.Ipam.BorrowedAddressesAsync("node-b", Ct)).Count);
        Assert.Null(await bed.Store.GetAsync(IpamKeys.Handle("net.a1"), Ct));
    }

    [Fact]
    public async Task Deleting_an_unknown_pool_says_it_does_not_exist()
    {
        await using var bed = new IpamTestbed();
        await Assert.ThrowsAsync<NotFoundException>(() => bed.Ipam.DeletePoolAsync("ghost", Ct));
    }
}
