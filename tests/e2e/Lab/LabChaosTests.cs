using L3Net.Lab;
using L3Net.Lab.Chaos;
using Xunit;

namespace L3Net.Tests.E2e.Lab;

/// <summary>The chaos soak, short: the same runner as <c>l3net-bench chaos</c>, 75 s of churn and faults on a 3-node
/// etcd lab, and every invariant must hold. The checks themselves are shown to fire on what they must catch.</summary>
[Collection(LabCollection.Name)]
public sealed class LabChaosTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Seventy_five_seconds_of_churn_kills_and_restarts_violate_no_invariant()
    {
        await using var lab = await TestLab.UpAsync(TestLab.Options(Topology.Tor, TorKind.Bird, LabDatastoreKind.Etcd, nodes: 3, podsPerNode: 2));
        var options = new ChaosOptions
        {
            Duration = TimeSpan.FromSeconds(75),
            Seed = 17,
            MinFaultGap = TimeSpan.FromSeconds(3),
            MaxFaultGap = TimeSpan.FromSeconds(8),
            // 75 s is all warm-up for RSS (JIT, GC heap sizing): only a gross leak can show; the soak judges the trend.
            RssGrowthFloorBytes = 64L << 20,
            // The daemon's pipes to its iptables/ipset children are closed by the finalizer, not at once, so its
            // descriptor floor swings by dozens within 75 s (257 -> 318, max 408 in a 14-min soak, not climbing):
            // only a gross leak can show here.
            FdGrowthLimit = 128,
        };
        var report = await new ChaosSoak(lab.Lab, options, line => TestContext.Current.TestOutputHelper?.WriteLine(line)).RunAsync(Ct);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

        Assert.True(report.Violations.Count == 0, report + "\n" + await lab.DiagnosticsAsync());
        Assert.True(report.FaultsTotal >= 3, "too few faults to call it chaos:\n" + report);
        Assert.True(report.Adds > 0 && report.Dels > 0, "no churn:\n" + report);
    }

    [Fact]
    public void A_host_route_to_an_address_no_live_pod_holds_is_reported_and_block_routes_are_not()
    {
        string[] routes =
        [
            "default via 10.0.0.1 dev eth0",
            "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.11",
            "10.244.1.3 dev cali1234567890a scope link",
            "10.244.1.4 dev cali1234567890b scope link",
            "10.244.2.9 via 10.0.0.1 dev eth0 proto bird",
            "blackhole 10.244.1.0/26 proto 80",
            "10.244.2.0/26 via 10.0.0.1 dev eth0 proto bird",
        ];
        var stale = Invariants.RoutesToDeadPods(routes, new HashSet<string> { "10.244.1.3" });
        Assert.Equal(["10.244.1.4 dev cali1234567890b scope link", "10.244.2.9 via 10.0.0.1 dev eth0 proto bird"], stale);
    }

    [Fact]
    public void Rss_climbing_through_the_second_half_is_a_leak_and_a_warm_up_in_the_first_half_is_not()
    {
        var options = new ChaosOptions();
        const long mib = 1 << 20;
        ProcessSample At(int minute, long rss) => new(TimeSpan.FromMinutes(minute), rss * mib, 40);
        var warmUp = Enumerable.Range(0, 30).Select(m => At(m, m < 10 ? 60 + 4 * m : 100 + m % 2)).ToList();
        var leak = Enumerable.Range(0, 30).Select(m => At(m, 60 + 2 * m)).ToList();

        Assert.Null(Invariants.RssGrowing(warmUp, options, out _));
        Assert.NotNull(Invariants.RssGrowing(leak, options, out _));
    }

    [Fact]
    public void Descriptors_that_pile_up_are_a_leak()
    {
        var options = new ChaosOptions();
        ProcessSample At(int second, int fds) => new(TimeSpan.FromSeconds(second), 50 << 20, fds);

        // Swings that the finalizer brings back down are not a leak; a floor that rises is.
        Assert.Null(Invariants.FdsLeaking([At(0, 40), At(5, 95), At(10, 42), At(15, 100), At(20, 45)], options, out _));
        Assert.NotNull(Invariants.FdsLeaking([At(0, 40), At(5, 50), At(10, 70), At(15, 80), At(20, 75)], options, out _));
    }
}
