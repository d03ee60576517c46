using System.Net;
using System.Text;
using L3Net.Ipam;
using Xunit;

namespace L3Net.Tests.Unit.Ipam;

/// <summary>The leak check and GC, fed the leftovers a kill -9 leaves between two writes (written here as raw records,
/// exactly as the store would hold them).</summary>
public sealed class IpamCheckTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private static CancellationToken Ct => IpamTestbed.Ct;

    [Fact]
    public async Task An_address_without_endpoint_is_a_leak_only_after_the_grace_period_and_GC_frees_it()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.9.0.0/24");
        await bed.AssignAsync("k8s-pod-network.live", "node-a");
        await bed.AddEndpointAsync("node-a", "k8s-pod-network", "live");
        var orphan = Assert.Single(await bed.AssignAsync("k8s-pod-network.gone", "node-a"));

        Assert.True((await bed.Ipam.CheckAsync(Grace, Ct)).Clean);
        bed.Time.Now += Grace;
        var report = await bed.Ipam.CheckAsync(Grace, Ct);
        var leak = Assert.Single(report.Leaked);
        Assert.Equal((orphan.Address, "k8s-pod-network.gone"), (leak.Address, leak.Handle));

        Assert.Equal(1, (await bed.Ipam.FixAsync(report, Ct)).AddressesFreed);
        var after = await bed.Ipam.CheckAsync(Grace, Ct);
        Assert.True(after.Clean, after.ToString());
        Assert.Equal(1, after.Allocated);
        Assert.Null(await bed.Store.GetAsync(IpamKeys.Handle("k8s-pod-network.gone"), Ct));
    }

    [Fact]
    public async Task GC_leaves_an_address_that_was_reassigned_since_the_check()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.9.0.0/30", blockSize: 30);
        var first = Assert.Single(await bed.AssignAsync("net.old", "node-a"));
        var report = await bed.Ipam.CheckAsync(TimeSpan.Zero, Ct);
        await bed.Ipam.ReleaseByHandleAsync("net.old", Ct);
        bed.Time.Now += TimeSpan.FromSeconds(1);
        await bed.Ipam.AssignSpecificAsync(first.Address, "net.old", "node-a", ct: Ct); // same handle, new assignment

        Assert.Equal(0, (await bed.Ipam.FixAsync(report, Ct)).AddressesFreed);
        Assert.Equal(1, await bed.InUseAsync());
    }

    [Fact]
    public async Task A_claim_a_crash_left_pending_without_block_is_removed_by_GC()
    {
        await using var bed = new IpamTestbed();
        var cidr = IPNetwork.Parse("10.9.0.0/26");
        await PutAsync(bed, IpamKeys.Affinity("node-a", cidr), Affinity("node-a", cidr, "Pending", bed.Time.Now));

        Assert.Empty((await bed.Ipam.CheckAsync(Grace, Ct)).Affinities); // might be a claim in progress
        bed.Time.Now += Grace;
        var report = await bed.Ipam.CheckAsync(Grace, Ct);
        Assert.Equal("its block does not exist", Assert.Single(report.Affinities).Reason);
        Assert.Equal(1, (await bed.Ipam.FixAsync(report, Ct)).AffinitiesFixed);
        Assert.Null(await bed.Store.GetAsync(IpamKeys.Affinity("node-a", cidr), Ct));
    }

    [Fact]
    public async Task The_nodes_next_assign_finishes_a_claim_a_crash_left_pending()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.9.0.0/24");
        var cidr = IPNetwork.Parse("10.9.0.192/26");
        await PutAsync(bed, IpamKeys.Affinity("node-a", cidr), Affinity("node-a", cidr, "Pending", bed.Time.Now));
        Assert.Empty(await bed.Ipam.AffineBlocksAsync("node-a", Ct));

        Assert.Equal(cidr, Assert.Single(await bed.AssignAsync("net.c1", "node-a")).Block);
        Assert.Equal([cidr], await bed.Ipam.AffineBlocksAsync("node-a", Ct));
    }

    [Fact]
    public async Task A_handle_over_count_is_reported_after_the_grace_period_and_trimmed()
    {
        await using var bed = new IpamTestbed();
        await bed.AddPoolAsync("p", "10.9.0.0/24");
        var held = Assert.Single(await bed.AssignAsync("net.c1", "node-a"));
        await bed.AddEndpointAsync("node-a", "net", "c1");
        // What a crash between "raise the handle" and "write the block" leaves: the handle counts one more.
        var key = IpamKeys.Handle("net.c1");
        var kv = (await bed.Store.GetAsync(key, Ct))!;
        var json = $$"""{"handle":"net.c1","blocks":{"{{held.Block}}":2},"updated":"{{bed.Time.Now:O}}"}""";
        await bed.Store.UpdateAsync(key, Encoding.UTF8.GetBytes(json), kv.Revision, Ct);

        Assert.True((await bed.Ipam.CheckAsync(Grace, Ct)).Clean);
        bed.Time.Now += Grace;
        var report = await bed.Ipam.CheckAsync(Grace, Ct);
        Assert.False(Assert.Single(report.Handles).UnderCount);
        await bed.Ipam.FixAsync(report, Ct);
        Assert.True((await bed.Ipam.CheckAsync(Grace, Ct)).Clean);
        Assert.Equal(1, await bed.Ipam.ReleaseByHandleAsync("net.c1", Ct));
        Assert.Null(await bed.Store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task The_check_finds_an_address_held_twice()
    {
        await using var bed = new IpamTestbed();
        // Two overlapping blocks, which IPAM never writes, each giving 10.9.0.1 to someone.
        await PutAsync(bed, IpamKeys.Block(IPNetwork.Parse("10.9.0.0/30")), Block("10.9.0.0/30", "h1", bed.Time.Now));
        await PutAsync(bed, IpamKeys.Block(IPNetwork.Parse("10.9.0.0/31")), Block("10.9.0.0/31", "h2", bed.Time.Now));

        var duplicate = Assert.Single((await bed.Ipam.CheckAsync(Grace, Ct)).Duplicates);
        Assert.Equal(IPAddress.Parse("10.9.0.1"), duplicate.Address);
        Assert.Equal(["h1", "h2"], duplicate.Handles.Order());
    }

    private static Task PutAsync(IpamTestbed bed, string key, string json)
        => bed.Store.CreateAsync(key, Encoding.UTF8.GetBytes(json), Ct);

    private static string Affinity(string node, IPNetwork cidr, string state, DateTimeOffset since)
        => $$"""{"node":"{{node}}","cidr":"{{cidr}}","state":"{{state}}","since":"{{since:O}}"}""";

    /// <summary>A block whose ordinal 1 is held by <paramref name="handle"/>, the rest free.</summary>
    private static string Block(string cidr, string handle, DateTimeOffset at)
    {
        var size = 1 << (32 - IPNetwork.Parse(cidr).PrefixLength);
        var allocations = string.Join(",", Enumerable.Range(0, size).Select(i => i == 1 ? "0" : "null"));
        var free = string.Join(",", Enumerable.Range(0, size).Where(i => i != 1));
        return $$"""{"cidr":"{{cidr}}","allocations":[{{allocations}}],"unallocated":[{{free}}],"attributes":[{"handle":"{{handle}}","node":"n","assigned":"{{at:O}}"}]}""";
    }
}
