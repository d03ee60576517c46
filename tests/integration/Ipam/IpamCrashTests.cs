using L3Net.Tests.Integration.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Datastore;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.Integration.Ipam;

/// <summary>
/// kill -9 at random points: 50 trials of a worker churning like a busy node's CNI (assign, write the endpoint,
/// release older pods, give back empty blocks) on alternating nodes over a pool small enough that claims, borrowing and
/// block releases happen all the time, each killed at a random moment. Afterwards: never a duplicate, never a handle
/// that forgot an address, every endpoint still holds its address, and GC frees every orphan until the check is clean.
/// </summary>
public sealed class IpamCrashTests
{
    private const int Trials = 50;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill_9_during_assign_never_duplicates_and_GC_frees_every_orphan()
    {
        await using var sqlite = new SqliteFixture();
        await sqlite.InitializeAsync();
        var (path, store) = (sqlite.Path, sqlite.Store);
        await IpamWorkers.CreatePoolAsync(store, "pods", "10.60.0.0/26", 29, Ct); // eight blocks of eight
        var ipam = new IpamService(store);
        var random = new Random(4242);
        for (var trial = 0; trial < Trials; trial++)
        {
            using var worker = new BackgroundProcess("dotnet",
                IpamWorkers.Args("sqlite://" + path, "churn", trial % 2 == 0 ? "a" : "b", $"t{trial}", 0));
            await Eventually.AssertAsync(() => worker.Output.Contains("ready") || worker.HasExited,
                TimeSpan.FromSeconds(30), "the worker to start", () => worker.Output);
            Assert.False(worker.HasExited, worker.Output);
            await Task.Delay(random.Next(0, 250), Ct);
            worker.KillHard();
            var report = await ipam.CheckAsync(TimeSpan.Zero, Ct);
            Assert.True(report.Duplicates.Count == 0 && !report.Handles.Any(h => h.UnderCount), $"trial {trial}: {report}");
        }
        var found = await ipam.CheckAsync(TimeSpan.Zero, Ct);
        await AssertEndpointsKeepTheirAddressesAsync(store, ipam);
        var fixedUp = await ipam.FixAsync(found, Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"after {Trials} kills: {found}\nGC: {fixedUp}");
        var after = await ipam.CheckAsync(TimeSpan.Zero, Ct);
        Assert.True(after.Clean, $"before GC:\n{found}\nafter GC:\n{after}");
        await AssertEndpointsKeepTheirAddressesAsync(store, ipam);
    }

    /// <summary>A crash may leak, never take an address from a pod that has one.</summary>
    private static async Task AssertEndpointsKeepTheirAddressesAsync(IDatastore store, IpamService ipam)
    {
        var endpoints = (await new ResourceStore(store).ListAsync<WorkloadEndpoint>(ct: Ct)).Items;
        var holders = (await ipam.ListBlocksAsync(Ct)).SelectMany(b => b.Allocations).Select(a => a.Handle).ToHashSet();
        Assert.All(endpoints, e => Assert.Contains($"{e.Spec.Network}.{e.Spec.ContainerId}", holders));
    }
}
