using L3Net.Ipam;
using L3Net.Tests.Integration.Datastore;
using Xunit;

namespace L3Net.Tests.Integration.Ipam;

/// <summary>
/// Four processes assign 250 addresses each for distinct handles on two nodes (three on node a, one on node b) from a
/// /22 pool of sixteen /26 blocks, one of which a third node holds first: node a needs twelve blocks and node b four,
/// fifteen are left, so the run must claim blocks and borrow. Exactly 1000 distinct addresses, then 4 x 250 releases
/// leave nothing assigned and nothing leaked.
/// </summary>
public sealed class IpamMultiProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Four_processes_on_SQLite_never_give_an_address_twice_and_release_everything()
    {
        await using var sqlite = new SqliteFixture();
        await sqlite.InitializeAsync();
        await IpamWorkers.CreatePoolAsync(sqlite.Store, "pods", "10.50.0.0/22", 26, Ct);
        await RaceAsync("sqlite://" + sqlite.Path, new IpamService(sqlite.Store));
    }

    [Fact]
    public async Task Four_processes_on_etcd_never_give_an_address_twice_and_release_everything()
    {
        await using var etcd = new EtcdServer();
        await etcd.InitializeAsync();
        await IpamWorkers.CreatePoolAsync(etcd.Store, "pods", "10.50.0.0/22", 26, Ct);
        await RaceAsync(etcd.Config, new IpamService(etcd.Store));
    }

    internal static async Task RaceAsync(string datastore, IpamService ipam)
    {
        var bystander = await ipam.AutoAssignAsync(new AutoAssignRequest { Handle = "net.bystander", Node = "c" }, Ct);
        var workers = new[] { ("a", "p0"), ("a", "p1"), ("a", "p2"), ("b", "p3") };
        var assigned = await Task.WhenAll(workers.Select(w => IpamWorkers.RunAsync(datastore, "assign", w.Item1, w.Item2, 250)));
        var addresses = assigned.SelectMany(r => r.Stdout.Split('\n')).Where(l => l.StartsWith("ip ", StringComparison.Ordinal)).ToList();
        Assert.Equal(1000, addresses.Count);
        Assert.Equal(1000, addresses.Distinct().Count());
        Assert.DoesNotContain($"ip {bystander[0].Address}", addresses);
        Assert.Equal(16, (await ipam.ListBlocksAsync(Ct)).Count);
        var borrowed = (await ipam.BorrowedAddressesAsync("a", Ct)).Count + (await ipam.BorrowedAddressesAsync("b", Ct)).Count;
        Assert.True(borrowed > 0, "the pool was meant to force borrowing");
        var during = await ipam.CheckAsync(TimeSpan.FromHours(1), Ct);
        Assert.True(during.Clean && during.Allocated == 1001, during.ToString());

        var released = await Task.WhenAll(workers.Select(w => IpamWorkers.RunAsync(datastore, "release", w.Item1, w.Item2, 250)));
        Assert.All(released, r => Assert.StartsWith("done 250 ", r.Stdout));
        Assert.Equal(1, await ipam.ReleaseByHandleAsync("net.bystander", Ct));
        var after = await ipam.CheckAsync(TimeSpan.Zero, Ct);
        Assert.True(after.Clean, after.ToString());
        Assert.Equal(0, after.Allocated);
    }
}
