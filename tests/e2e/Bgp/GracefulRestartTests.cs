using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// RFC 4724 with BIRD, both roles, with real kill -9s. Restarting: our speaker runs as its own process
/// (tests/BgpWorker); BIRD must keep its routes through the crash and the restart, never withdrawing them, and drop
/// only what the restarted speaker no longer announces, after its End-of-RIB. Helper: BIRD crashes and comes back
/// in recovery mode (<c>bird -R</c>); we keep its routes as stale meanwhile and sweep what it does not announce again,
/// and when it does not come back, we sweep everything once its restart time is over.
/// </summary>
public sealed class GracefulRestartTests
{
    private const string Kept = "10.244.1.0/26", Dropped = "10.244.1.64/26", BirdKept = "192.168.100.0/24", BirdDropped = "192.168.101.0/24";

    [Fact]
    public async Task BIRD_never_withdraws_our_routes_while_our_speaker_is_killed_and_restarts()
    {
        using var fabric = new PeeringFabric();
        var (bird, first) = await StartBirdAndWorkerAsync(fabric, $"{Kept},{Dropped}");
        await bird.WaitBirdRouteAsync(Dropped, "BGP.next_hop: 10.0.0.2");
        await Eventually.AssertAsync(() => first.Output.Contains($"route {BirdKept} via 10.0.0.1"), TimeSpan.FromSeconds(15),
            "the speaker learning BIRD's route", () => first.Output);

        await using var sampler = new Sampler(() => bird.Birdc("show", "route", "protocol", "l3net"));
        first.KillHard();
        var killed = sampler.Now;
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        // Restarted, it learns what it owns only 1.5 s after its session is up: it must hold its End-of-RIB until then.
        var second = StartWorker(fabric.Node, "--restarting", "--originate-after-ms", "1500", "--originate", Kept);
        await Eventually.AssertAsync(() => !bird.Routes().Contains(Dropped), TimeSpan.FromSeconds(20),
            $"BIRD sweeping {Dropped}, which the restarted speaker no longer announces", () => bird.Routes() + second.Output);
        await Eventually.AssertAsync(() => second.Output.Contains("originating"), TimeSpan.FromSeconds(10), "the restarted speaker originating", () => second.Output);
        await bird.WaitBirdRouteAsync(Kept, "BGP.next_hop: 10.0.0.2");
        await Task.Delay(500, TestContext.Current.CancellationToken); // a few more samples after the re-announcement
        var samples = await sampler.StopAsync();

        var gap = samples.FirstOrDefault(s => !s.Text.Contains(Kept));
        Assert.True(gap.Text is null, $"BIRD had no route for {Kept} {gap.At.TotalSeconds:0.0} s into the restart:\n{gap.Text}\n{second.Output}");
        Assert.Contains(samples, s => s.At > killed + TimeSpan.FromSeconds(0.5) && s.Text.Contains(Dropped)); // kept while we were down
        Assert.True(second.Output.IndexOf("originating", StringComparison.Ordinal)
            < second.Output.IndexOf("graceful restart: sending our routes", StringComparison.Ordinal), "End-of-RIB sent before we knew our routes\n" + second.Output);
        Assert.DoesNotContain("stale", bird.Routes(Kept), StringComparison.OrdinalIgnoreCase);
        await Eventually.AssertAsync(() => second.Output.Contains($"route {BirdKept} via 10.0.0.1"), TimeSpan.FromSeconds(15),
            "the restarted speaker learning BIRD's route", () => second.Output);
    }

    [Fact]
    public async Task A_stopped_speaker_closes_without_a_NOTIFICATION_so_BIRD_keeps_its_routes_as_stale()
    {
        using var fabric = new PeeringFabric();
        var (bird, worker) = await StartBirdAndWorkerAsync(fabric, Kept);
        using var _ = worker;

        ProcessRunner.Run("kill", ["-TERM", worker.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]).EnsureOk("SIGTERM");
        await Eventually.AssertAsync(() => worker.HasExited, TimeSpan.FromSeconds(10), "the speaker stopping on SIGTERM", () => worker.Output);
        // A Cease would make BIRD flush at once; a bare close leaves the route (stale) for our restart time (30 s).
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var protocol = bird.Birdc("show", "protocols", "all", "l3net");
        Assert.Contains("BGP.next_hop: 10.0.0.2", bird.Routes(Kept), StringComparison.Ordinal);
        Assert.DoesNotContain("Received:", protocol, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_speaker_keeps_BIRD_routes_while_BIRD_restarts_and_sweeps_what_it_does_not_announce_again()
    {
        Requires.Command("bird");
        using var fabric = new PeeringFabric();
        static string Config(string routes) => BirdConfigs.Base("10.0.0.1", routes)
            + BirdConfigs.Protocol("l3net", "10.0.0.1", 65001, "10.0.0.2", 65002, "ipv4", "where source = RTS_STATIC", "",
                "graceful restart on; graceful restart time 5;");
        var bird = await BirdPeer.StartAsync(fabric.Tor, Config($"route {BirdKept} blackhole; route {BirdDropped} blackhole;"));
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [new L3Net.Bgp.PeerConfig { Address = System.Net.IPAddress.Parse("10.0.0.1"), RemoteAs = 65001 }], [Kept]);
        await speaker.WaitRouteAsync(BirdKept, "10.0.0.1");
        await speaker.WaitRouteAsync(BirdDropped, "10.0.0.1");

        // Our Loc-RIB change stream records every withdrawal, however brief: nothing may withdraw BirdKept from here on.
        while (speaker.RouteChanges.TryRead(out _)) { }
        bird.Process.KillHard();
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.True(speaker.HasRoute(BirdDropped), "routes dropped as soon as BIRD died\n" + speaker.Describe());
        await bird.RelaunchAsync(Config($"route {BirdKept} blackhole;"), "-R");
        await Eventually.AssertAsync(() => !speaker.HasRoute(BirdDropped), TimeSpan.FromSeconds(15),
            $"{BirdDropped}, not announced again, swept", speaker.Describe);
        List<L3Net.Bgp.LocRibChange> changes = [];
        while (speaker.RouteChanges.TryRead(out var change))
            changes.Add(change);
        Assert.DoesNotContain(changes, c => c.Prefix.ToString() == BirdKept && c.NextHops.Count == 0);
        Assert.Contains(changes, c => c.Prefix.ToString() == BirdDropped && c.NextHops.Count == 0);
        Assert.True(speaker.HasRoute(BirdKept, "10.0.0.1"), speaker.Describe());
        await bird.WaitBirdRouteAsync(Kept, "BGP.next_hop: 10.0.0.2");

        // BIRD dies for good: its routes stay for its restart time (5 s), then go.
        bird.Process.KillHard();
        Assert.True(await Eventually.HoldsAsync(() => !speaker.HasRoute(BirdKept), TimeSpan.FromSeconds(3)) == false,
            "stale routes dropped before the restart time\n" + speaker.Describe());
        await Eventually.AssertAsync(() => !speaker.HasRoute(BirdKept), TimeSpan.FromSeconds(10), "stale routes swept after the restart time", speaker.Describe);
    }

    /// <summary>BIRD with graceful restart in the ToR namespace, our speaker process peering with it and originating
    /// <paramref name="originate"/>; returns once BIRD holds <see cref="Kept"/> from us.</summary>
    private static async Task<(BirdPeer Bird, BackgroundProcess Worker)> StartBirdAndWorkerAsync(PeeringFabric fabric, string originate)
    {
        Requires.Command("bird");
        var bird = await BirdPeer.StartAsync(fabric.Tor, BirdConfigs.Peer("10.0.0.1", "10.0.0.1", 65001, "10.0.0.2", 65002, "ipv4",
            BirdKept, protocolExtra: "graceful restart on;"));
        var worker = StartWorker(fabric.Node, "--originate", originate);
        await bird.WaitBirdRouteAsync(Kept, "BGP.next_hop: 10.0.0.2");
        return (bird, worker);
    }

    /// <summary>Starts tests/BgpWorker (built next to this assembly's configuration) in <paramref name="node"/> as
    /// 10.0.0.2, AS 65002, peering with BIRD at 10.0.0.1.</summary>
    private static BackgroundProcess StartWorker(NetnsHost node, params string[] args)
    {
        var tfm = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)); // tests/e2e/bin/{configuration}/{tfm}
        var configuration = tfm.Parent!;
        var path = Path.Combine(configuration.Parent!.Parent!.Parent!.FullName, "BgpWorker", "bin", configuration.Name, tfm.Name, "l3net-bgp-worker");
        Assert.True(File.Exists(path), $"{path} is missing: build tests/e2e (it builds tests/BgpWorker)");
        return node.Start(path, ["--as", "65002", "--router-id", "10.0.0.2", "--peer", "10.0.0.1:65001", "--gr-time", "30", .. args]);
    }
}
