using System.Globalization;
using System.Net;
using System.Net.Sockets;
using L3Net.Lab;
using L3Net.Netlink;

namespace L3Net.Bench.Failover;

/// <summary>
/// <c>l3net-bench failover [--runs 5] [--prefix l3fail] [--bin-dir DIR | --node-binary P --cni-binary P]</c> (root): issue 16's failover
/// table. Two dual-tor labs in turn (BIRD ToRs, 2 nodes, node1 in rack 1 and node2 in rack 2, one pod each), one with
/// BFD (300 ms x 3) on every node-to-ToR session and one without (hold time 9 s, keepalive 3 s); in each, two faults,
/// each <c>--runs</c> times: the silent cut of node1's link to the ToR the measured flow leaves by
/// (<see cref="LinkFaults.CutAsync"/>), and SIGKILL of that ToR's BIRD. The flow is a ping stream every 10 ms from
/// node1's pod to node2's pod; loss = lost packets x 10 ms, time to recover = fault to the first reply after the gap,
/// and (read from node1's netlink dump every 10 ms) the time until node1's route to the pod has left the faulty ToR.
/// </summary>
public static class FailoverBench
{
    /// <summary>The labs are <c>{prefix}{pid}b</c> (BFD) and <c>{prefix}{pid}n</c>; a run removes the stale ones of its prefix.</summary>
    private const string DefaultPrefix = "l3fail";
    private const double IntervalMs = 10;

    /// <summary>The stream runs this long before the fault, and this long after it at most.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(1);
    private static TimeSpan Tail(bool bfd) => TimeSpan.FromSeconds(bfd ? 5 : 16);

    private enum Fault { LinkCut, TorDaemonKilled }

    private sealed record Run(bool Bfd, Fault Fault, TorSide Side, int Sent, int Lost, double? RecoverMs, double? RouteMovedMs, double MeanIntervalMs)
    {
        public double LossMs => Lost * IntervalMs;

        /// <summary>The loss at the interval the stream really kept: a loaded machine sends slower than every 10 ms.</summary>
        public double LossAtAchievedMs => Lost * MeanIntervalMs;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = LabBench.Option(args, "--runs", 5);
        var prefix = LabBench.Option(args, "--prefix", DefaultPrefix);
        var (nodeBinary, cniBinary) = LabBench.Binaries(args);
        Console.WriteLine($"l3net-bench failover --runs {runs}   (load {LabBench.Load()})");
        using var interrupted = new CancellationTokenSource();
        using var signals = LabBench.CancelOnSignals(interrupted);
        await LabBench.RemoveStaleAsync(prefix);
        var results = new List<Run>();
        try
        {
            foreach (var bfd in new[] { true, false })
            {
                var options = new LabOptions
                {
                    Name = $"{prefix}{Environment.ProcessId}{(bfd ? "b" : "n")}",
                    Nodes = 2,
                    PodsPerNode = 1,
                    Topology = Topology.DualTor,
                    Tor = TorKind.Bird,
                    Bfd = bfd,
                    NodeBinary = nodeBinary,
                    CniBinary = cniBinary,
                };
                try
                {
                    var lab = await LabController.UpAsync(options, Console.WriteLine, interrupted.Token);
                    foreach (var fault in Enum.GetValues<Fault>())
                    for (var i = 1; i <= runs; i++)
                    {
                        var run = await MeasureAsync(lab, bfd, fault, interrupted.Token);
                        Console.WriteLine($"  BFD {(bfd ? "on " : "off")} {fault,-15} run {i}: via ToR {run.Side}, {run.Lost}/{run.Sent} lost = {run.LossMs:0} ms, " +
                            $"recovered {Ms(run.RecoverMs)}, node1's route left the ToR {Ms(run.RouteMovedMs)} after the fault; " +
                            $"the stream sent every {run.MeanIntervalMs:0.0} ms   (load {LabBench.Load()})");
                        results.Add(run);
                    }
                }
                finally
                {
                    await LabCleanup.DownAsync(options.Name);
                }
            }
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            return 130;
        }
        Console.WriteLine();
        Console.WriteLine(Table(results));
        Console.WriteLine($"load at the end: {LabBench.Load()}");
        return results.All(r => r.RecoverMs is not null) ? 0 : 1;
    }

    /// <summary>One fault under a ping stream: waits for the steady state (every session up, both nodes multipathed),
    /// finds the ToR the flow leaves node1 by, starts the stream, injects the fault, reads the stream, repairs.</summary>
    private static async Task<Run> MeasureAsync(LabController lab, bool bfd, Fault fault, CancellationToken ct)
    {
        var from = lab.State.Pods.Single(p => p.Node == "node1");
        var to = lab.State.Pods.Single(p => p.Node == "node2");
        await SteadyAsync(lab, from, to, ct);
        var side = await lab.FlowSideAsync(from, to, ct);
        var link = lab.Uplink("node1", side);
        var tor = lab.Router(AddressPlan.TorName(1, side));

        var window = Lead + Tail(bfd);
        var count = (int)(window.TotalMilliseconds / IntervalMs);
        // -w bounds the stream in time as -c does in count: on a loaded machine ping sends slower than every 10 ms.
        var deadline = window * 2;
        var stream = Exec.InNetnsAsync(from.Namespace, "ping",
            ["-i", "0.01", "-c", count.ToString(), "-w", ((int)deadline.TotalSeconds).ToString(), "-W", "1", "-n", "-D", to.Address],
            timeout: deadline + TimeSpan.FromSeconds(10), ct: ct);
        await Task.Delay(Lead, ct);
        // Taken before the fault is injected: the recovery time includes the injection itself.
        var faultAt = Now();
        await (fault == Fault.LinkCut ? LinkFaults.CutAsync(link, ct) : tor.KillAsync(ct));
        var moved = Task.Run(() => WatchRouteLeavesAsync(lab, to, link.TorAddress, Tail(bfd), ct), ct);
        var output = (await stream).Stdout;
        var movedAt = await moved;
        await (fault == Fault.LinkCut ? LinkFaults.HealAsync(link, ct) : tor.StartAsync(ct));

        var stats = PingStream.Parse(output);
        var span = stats.Replies.Count > 1 ? (stats.Replies[^1].At - stats.Replies[0].At) * 1000 / (stats.Replies[^1].Seq - stats.Replies[0].Seq) : IntervalMs;
        return new Run(bfd, fault, side, stats.Sent, stats.Sent - stats.Received, stats.RecoveryMs(faultAt),
            movedAt is { } at ? (at - faultAt) * 1000 : null, span);
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static string Ms(double? ms) => ms is { } v ? $"{v:0} ms" : "not within the window";

    /// <summary>Reads node1's netlink dump every 10 ms until its route to <paramref name="to"/> no longer goes via
    /// <paramref name="torAddress"/>; the time it saw that, or null when it did not within <paramref name="within"/>.</summary>
    private static async Task<double?> WatchRouteLeavesAsync(LabController lab, LabPod to, string torAddress, TimeSpan within, CancellationToken ct)
    {
        using var socket = NetNamespace.OpenSocket(Netns.Path(lab.State.Node("node1").Namespace));
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (!Gateways(socket, to).Contains(torAddress))
                return Now();
            await Task.Delay(10, ct);
        }
        return null;
    }

    /// <summary>Every BGP session Established on every router and node, each node's route to the other's pod over
    /// both its ToRs, and every ToR's kernel routing the far pod: the state a fault should start from. (A node keeps a
    /// restarted ToR's routes as a graceful-restart helper, so its two next hops alone do not show that the ToR has
    /// its routes back.)</summary>
    private static async Task SteadyAsync(LabController lab, LabPod from, LabPod to, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if ((await lab.StatusAsync(ct)).Converged && HopCount(lab, "node1", to) == 2 && HopCount(lab, "node2", from) == 2
                && await TorsRouteAsync(lab, rack: 1, to, ct) && await TorsRouteAsync(lab, rack: 2, from, ct))
                return;
            await Task.Delay(200, ct);
        }
        throw new LabException("the dual-tor lab did not return to every session up, both nodes multipathed and every ToR routing within 90 s");
    }

    /// <summary>Both ToRs of the rack have a kernel route to the pod (they have no default route).</summary>
    private static async Task<bool> TorsRouteAsync(LabController lab, int rack, LabPod pod, CancellationToken ct)
    {
        foreach (var side in Enum.GetValues<TorSide>())
        {
            var ns = lab.Router(AddressPlan.TorName(rack, side)).Site.Namespace;
            if (!(await Exec.RunAsync("ip", ["-n", ns, "-4", "route", "get", pod.Address], ct: ct)).Ok)
                return false;
        }
        return true;
    }

    private static int HopCount(LabController lab, string node, LabPod pod)
    {
        using var socket = NetNamespace.OpenSocket(Netns.Path(lab.State.Node(node).Namespace));
        return Gateways(socket, pod).Count;
    }

    /// <summary>The next hops of the node's most specific route to the pod: each multipath hop, or the one gateway.</summary>
    private static List<string> Gateways(RouteSocket socket, LabPod pod)
    {
        var address = IPAddress.Parse(pod.Address);
        var route = socket.ListRoutes(AddressFamily.InterNetwork)
            .Where(r => r.Destination.PrefixLength > 0 && r.Destination.Contains(address)).MaxBy(r => r.Destination.PrefixLength);
        return route is null ? [] : [.. (route.NextHops.Count > 0 ? route.NextHops.Select(h => h.Gateway) : [route.Gateway]).OfType<IPAddress>().Select(g => g.ToString())];
    }

    private static string Table(IReadOnlyList<Run> results)
    {
        var lines = new List<string>
        {
            "| fault | BFD | runs | loss (lost x 10 ms), median (range) | lost x achieved interval | time to recover, median (range) | node1's route leaves the ToR, median (range) | flow via |",
            "|---|---|---|---|---|---|---|---|",
        };
        foreach (var cell in results.GroupBy(r => (r.Fault, r.Bfd)))
        {
            var recovered = cell.Where(r => r.RecoverMs is not null).Select(r => r.RecoverMs!.Value).ToList();
            var missing = cell.Count() - recovered.Count;
            var moved = cell.Where(r => r.RouteMovedMs is not null).Select(r => r.RouteMovedMs!.Value).ToList();
            var stayed = cell.Count() - moved.Count;
            lines.Add($"| {(cell.Key.Fault == Fault.LinkCut ? "link cut" : "ToR BIRD killed")} " +
                $"| {(cell.Key.Bfd ? $"on ({TorRouter.BfdIntervalMs} ms x {TorRouter.BfdMultiplier})" : "off (hold 9 s)")} | {cell.Count()} " +
                $"| {Summary([.. cell.Select(r => r.LossMs)])} | {Summary([.. cell.Select(r => r.LossAtAchievedMs)])} | {Summary(recovered)}{(missing > 0 ? $", {missing} not recovered" : "")} " +
                $"| {Summary(moved)}{(stayed > 0 ? $", {stayed} not within the window" : "")} " +
                $"| {string.Join(" ", cell.Select(r => r.Side))} |");
        }
        return string.Join('\n', lines);
    }

    private static string Summary(IReadOnlyList<double> ms)
    {
        if (ms.Count == 0)
            return "-";
        var sorted = ms.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"{median:0} ms ({sorted[0]:0}–{sorted[^1]:0})");
    }
}
