using System.Diagnostics;
using L3Net.Lab;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Bench.Bgp;

/// <summary>
/// Whole-system full-table run (root): K BIRD senders (default 1), each with the same N static routes (see
/// <see cref="FeedShape"/>: IPv4 by default, IPv6 with <c>--ipv6</c>), feed, in turn, our speaker, BIRD, FRR and GoBGP,
/// each in the same receiver namespace, over one veth pair between two namespaces of their own. For each receiver:
/// seconds from the first session reaching Established to the last route of every sender being in its RIB and the
/// daemon going idle, its CPU seconds over the run (/proc utime + stime), and its resident memory growth per route
/// received. The senders are started afresh for every receiver with their BGP sessions disabled and enabled together
/// only once every table is loaded, so each receiver meets the same, ready senders.
/// </summary>
internal static class FullFeedBench
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan IdleFor = TimeSpan.FromSeconds(1.5);

    private sealed record Result(string Receiver, double Seconds, double CpuSeconds, long RssBytes, long Paths, double SenderCpu, string? Error);

    /// <summary><c>bgp-fullfeed [--routes N] [--senders K] [--ipv6] [--minutes M] [--only l3net|bird|frr|gobgp]...</c>;
    /// N defaults to 1,000,000 (250,000 with <c>--ipv6</c>), K to 1; M bounds each receiver (default 20: GoBGP needs
    /// more than that for a million routes here).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        int? routes = null;
        var (senders, ipv6) = (1, false);
        var deadline = TimeSpan.FromMinutes(20);
        var only = new List<string>();
        for (var i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--routes": routes = int.Parse(args[++i]); break;
                case "--senders": senders = int.Parse(args[++i]); break;
                case "--ipv6": ipv6 = true; break;
                case "--minutes": deadline = TimeSpan.FromMinutes(double.Parse(args[++i])); break;
                case "--only": only.Add(args[++i]); break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        var shape = new FeedShape(routes ?? (ipv6 ? 250_000 : 1_000_000), senders, ipv6);
        var receivers = new (string Key, Func<FeedReceiver> Make)[]
        {
            ("l3net", () => new OurReceiver(shape)), ("bird", () => new BirdReceiver(shape)),
            ("frr", () => new FrrReceiver(shape)), ("gobgp", () => new GoBgpReceiver(shape)),
        }.Where(r => only.Count == 0 || only.Contains(r.Key)).ToList();

        Console.WriteLine($"# bgp-fullfeed: {shape.Routes} {shape.Family} routes from each of {senders} sender(s), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load: {Load()}");
        var senderConfigs = Enumerable.Range(0, senders).Select(shape.SenderConfig).ToList();
        var results = new List<Result>();
        using (var net = new TestNetwork())
        {
            var sender = net.AddHost("snd");
            var receiver = net.AddHost("rcv");
            net.Link(sender, shape.LinkCidr(shape.SenderAddress(0)), receiver, shape.LinkCidr(shape.ReceiverAddress), "feed", "feed");
            for (var i = 1; i < senders; i++)
                sender.Ip(ipv6 ? "-6" : "-4", "addr", "add", shape.LinkCidr(shape.SenderAddress(i)), "dev", "feed", "nodad");
            foreach (var (_, make) in receivers)
            {
                var r = make();
                Console.WriteLine($"# {r.Name} ...");
                results.Add(await MeasureAsync(r, sender, receiver, shape, senderConfigs, deadline));
                Console.WriteLine($"#   {Row(results[^1])}  (load: {Load()})");
                if (r.Notes() is { } notes)
                    Console.WriteLine($"#   {r.Name} {notes}");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"| receiver | Established → Loc-RIB complete | receiver CPU s | RSS growth | bytes/{(senders == 1 ? "prefix" : "path")} | sender CPU s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in results)
            Console.WriteLine(Row(r));
        return results.All(r => r.Error is null) ? 0 : 1;
    }

    private static string Row(Result r) => r.Error is not null
        ? $"| {r.Receiver} | failed: {r.Error} | | | | |"
        : $"| {r.Receiver} | {r.Seconds:0.00} s | {r.CpuSeconds:0.00} | {r.RssBytes / 1048576.0:0} MiB | {(double)r.RssBytes / r.Paths:0} | {r.SenderCpu:0.00} |";

    /// <summary>One receiver against freshly started senders: their sessions are enabled together once every table is
    /// loaded; the clock runs from the first session Established until the receiver holds every sender's routes and
    /// has gone idle.</summary>
    private static async Task<Result> MeasureAsync(FeedReceiver receiver, NetnsHost senderHost, NetnsHost receiverHost, FeedShape shape,
        IReadOnlyList<string> senderConfigs, TimeSpan deadline)
    {
        var dir = Directory.CreateTempSubdirectory("l3bench-bgp-").FullName;
        Exec.Run("chmod", "0777", dir);
        var senders = new List<BirdPeer>();
        try
        {
            await receiver.StartAsync(receiverHost, dir);
            var pid = receiver.Process.Pid;
            senders.AddRange(await Task.WhenAll(senderConfigs.Select(c => BirdPeer.StartAsync(senderHost, c, TimeSpan.FromMinutes(3)))));
            var loaded = $"{shape.Routes} of {shape.Routes} routes";
            await Eventually.AssertAsync(() => senders.All(s => s.Birdc("show", "route", "count").Contains(loaded)),
                TimeSpan.FromMinutes(5), "the senders' static routes loaded");
            await Task.Delay(TimeSpan.FromSeconds(1)); // let the receiver settle after start-up before the baseline
            var baseCpu = ProcStat.CpuTicks(pid);
            var baseRss = ProcStat.RssBytes(pid);
            var senderTicks = senders.Sum(s => ProcStat.CpuTicks(s.Process.Pid));
            foreach (var s in senders)
                s.Birdc("enable", "feed");
            var clock = Stopwatch.StartNew();
            TimeSpan? established = null, complete = null;
            var lastBusy = TimeSpan.Zero;
            var ticks = baseCpu;
            var progress = default(FeedProgress);
            while (complete is null || clock.Elapsed - lastBusy < IdleFor)
            {
                if (clock.Elapsed > deadline)
                    throw new TimeoutException($"{progress.Paths} of {shape.Paths} routes after {deadline.TotalMinutes} min, {(ProcStat.CpuTicks(pid) - baseCpu) / ProcStat.TicksPerSecond:0} CPU s, {ProcStat.RssBytes(pid) >> 20} MiB RSS");
                if (receiver.Process.HasExited)
                    throw new InvalidOperationException($"the receiver exited: {Tail(receiver.Process.Output)}");
                var now = ProcStat.CpuTicks(pid);
                if (now - ticks >= 2) // >= 20 ms of CPU in a 100 ms sample: still working
                    lastBusy = clock.Elapsed;
                ticks = now;
                if (complete is null)
                {
                    progress = receiver.Poll();
                    if (progress.Established > 0)
                        established ??= clock.Elapsed;
                    if (progress.Established == shape.Senders && progress.Paths >= shape.Paths)
                        complete = clock.Elapsed;
                }
                await Task.Delay(Poll);
            }
            var end = complete.Value > lastBusy ? complete.Value : lastBusy;
            var cpu = (ProcStat.CpuTicks(pid) - baseCpu) / ProcStat.TicksPerSecond;
            var rss = ProcStat.RssBytes(pid) - baseRss;
            var senderCpu = (senders.Sum(s => ProcStat.CpuTicks(s.Process.Pid)) - senderTicks) / ProcStat.TicksPerSecond;
            return new Result(receiver.Name, (end - established!.Value).TotalSeconds, cpu, rss, shape.Paths, senderCpu, null);
        }
        catch (Exception e)
        {
            return new Result(receiver.Name, 0, 0, 0, shape.Paths, 0, e.Message.Split('\n')[0]);
        }
        finally
        {
            receiver.Process?.Dispose();
            foreach (var s in senders)
                s.Process.Dispose();
            foreach (var host in new[] { senderHost, receiverHost })
                foreach (var pid in Exec.Run("ip", "netns", "pids", host.Namespace).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    Exec.Run("kill", "-9", pid.Trim()); // anything the daemon forked is ours too
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Tail(string output) => output.Length > 400 ? output[^400..] : output;

    /// <summary>The 1, 5 and 15 minute load averages: the machine is shared, so every figure says what it ran under.</summary>
    public static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
}
