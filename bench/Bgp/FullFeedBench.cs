using System.Diagnostics;
using System.Text;
using L3Net.Lab;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Bench.Bgp;

/// <summary>
/// Whole-system full-table run (root): one BIRD sender with N static IPv4 routes (default 1,000,000; /22 and /24 mixed,
/// 500 attribute sets told apart by a community) feeds, in turn, our speaker, BIRD, FRR and GoBGP, each in the same
/// receiver namespace, over one veth pair between two namespaces of their own. For each receiver: seconds from the
/// session reaching Established to the last route being in its Loc-RIB and the daemon going idle, its CPU seconds
/// over the run (/proc utime + stime), and its resident memory growth per prefix. The sender is started afresh for
/// every receiver with its BGP session disabled and enabled only once its table is loaded, so each receiver meets
/// the same, ready sender.
/// </summary>
internal static class FullFeedBench
{
    public const string SenderAddress = "10.77.0.1", ReceiverAddress = "10.77.0.2";
    public const uint SenderAs = 65001, ReceiverAs = 65002;
    private const int AttributeSets = 500;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan IdleFor = TimeSpan.FromSeconds(1.5);

    private sealed record Result(string Receiver, double Seconds, double CpuSeconds, long RssBytes, long Routes, double SenderCpu, string? Error);

    /// <summary><c>bgp-fullfeed [--routes N] [--minutes M] [--only l3net|bird|frr|gobgp]...</c>; M bounds each receiver
    /// (default 20: GoBGP needs more than that for a million routes here).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var routes = 1_000_000;
        var deadline = TimeSpan.FromMinutes(20);
        var only = new List<string>();
        for (var i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--routes": routes = int.Parse(args[++i]); break;
                case "--minutes": deadline = TimeSpan.FromMinutes(double.Parse(args[++i])); break;
                case "--only": only.Add(args[++i]); break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        var receivers = new (string Key, Func<FeedReceiver> Make)[]
        {
            ("l3net", () => new OurReceiver()), ("bird", () => new BirdReceiver()),
            ("frr", () => new FrrReceiver()), ("gobgp", () => new GoBgpReceiver(routes)),
        }.Where(r => only.Count == 0 || only.Contains(r.Key)).ToList();

        Console.WriteLine($"# bgp-fullfeed: {routes} routes, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load: {Load()}");
        var senderConfig = SenderConfig(routes);
        var results = new List<Result>();
        using (var net = new TestNetwork())
        {
            var sender = net.AddHost("snd");
            var receiver = net.AddHost("rcv");
            net.Link(sender, $"{SenderAddress}/30", receiver, $"{ReceiverAddress}/30");
            foreach (var (_, make) in receivers)
            {
                var r = make();
                Console.WriteLine($"# {r.Name} ...");
                results.Add(await MeasureAsync(r, sender, receiver, senderConfig, routes, deadline));
                Console.WriteLine($"#   {Row(results[^1])}  (load: {Load()})");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| receiver | Established → Loc-RIB complete | receiver CPU s | RSS growth | bytes/prefix | sender CPU s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in results)
            Console.WriteLine(Row(r));
        return results.All(r => r.Error is null) ? 0 : 1;
    }

    private static string Row(Result r) => r.Error is not null
        ? $"| {r.Receiver} | failed: {r.Error} | | | | |"
        : $"| {r.Receiver} | {r.Seconds:0.00} s | {r.CpuSeconds:0.00} | {r.RssBytes / 1048576.0:0} MiB | {(double)r.RssBytes / r.Routes:0} | {r.SenderCpu:0.00} |";

    private static async Task<Result> MeasureAsync(FeedReceiver receiver, NetnsHost senderHost, NetnsHost receiverHost, string senderConfig, int routes,
        TimeSpan deadline)
    {
        var dir = Directory.CreateTempSubdirectory("l3bench-bgp-").FullName;
        Exec.Run("chmod", "0777", dir);
        BirdPeer? sender = null;
        try
        {
            await receiver.StartAsync(receiverHost, dir);
            var pid = receiver.Process.Pid;
            sender = await BirdPeer.StartAsync(senderHost, senderConfig, TimeSpan.FromMinutes(3));
            await Eventually.AssertAsync(() => sender.Birdc("show", "route", "count").Contains($"{routes} of {routes} routes"),
                TimeSpan.FromMinutes(3), "the sender's static routes loaded");
            await Task.Delay(TimeSpan.FromSeconds(1)); // let the receiver settle after start-up before the baseline
            var baseCpu = ProcStat.CpuTicks(pid);
            var baseRss = ProcStat.RssBytes(pid);
            var senderTicks = ProcStat.CpuTicks(sender.Process.Pid);
            sender.Birdc("enable", "feed");
            var clock = Stopwatch.StartNew();
            TimeSpan? established = null, complete = null;
            var lastBusy = TimeSpan.Zero;
            var ticks = baseCpu;
            var progress = default(FeedProgress);
            while (complete is null || clock.Elapsed - lastBusy < IdleFor)
            {
                if (clock.Elapsed > deadline)
                    throw new TimeoutException($"{progress.Routes} of {routes} routes after {deadline.TotalMinutes} min, {(ProcStat.CpuTicks(pid) - baseCpu) / ProcStat.TicksPerSecond:0} CPU s, {ProcStat.RssBytes(pid) >> 20} MiB RSS");
                if (receiver.Process.HasExited)
                    throw new InvalidOperationException($"the receiver exited: {Tail(receiver.Process.Output)}");
                var now = ProcStat.CpuTicks(pid);
                if (now - ticks >= 2) // >= 20 ms of CPU in a 100 ms sample: still working
                    lastBusy = clock.Elapsed;
                ticks = now;
                if (complete is null)
                {
                    progress = receiver.Poll();
                    if (progress.Established)
                        established ??= clock.Elapsed;
                    if (progress.Routes >= routes)
                        complete = clock.Elapsed;
                }
                await Task.Delay(Poll);
            }
            var end = complete.Value > lastBusy ? complete.Value : lastBusy;
            var cpu = (ProcStat.CpuTicks(pid) - baseCpu) / ProcStat.TicksPerSecond;
            var rss = ProcStat.RssBytes(pid) - baseRss;
            var senderCpu = (ProcStat.CpuTicks(sender.Process.Pid) - senderTicks) / ProcStat.TicksPerSecond;
            return new Result(receiver.Name, (end - established!.Value).TotalSeconds, cpu, rss, routes, senderCpu, null);
        }
        catch (Exception e)
        {
            return new Result(receiver.Name, 0, 0, 0, routes, 0, e.Message.Split('\n')[0]);
        }
        finally
        {
            receiver.Process?.Dispose();
            sender?.Process.Dispose();
            foreach (var host in new[] { senderHost, receiverHost })
                foreach (var pid in Exec.Run("ip", "netns", "pids", host.Namespace).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    Exec.Run("kill", "-9", pid.Trim()); // anything the daemon forked is ours too
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>BIRD config: <paramref name="routes"/> blackhole statics in <see cref="AttributeSets"/> protocols, each
    /// adding its own community, and the BGP session, disabled until the table is loaded.</summary>
    private static string SenderConfig(int routes)
    {
        var c = new StringBuilder($"router id {SenderAddress};\nprotocol device {{}}\n");
        var perSet = (routes + AttributeSets - 1) / AttributeSets;
        for (var i = 0; i < routes; i++)
        {
            if (i % perSet == 0)
                c.Append(i == 0 ? "" : "}\n").Append($"protocol static s{i / perSet} {{ ipv4 {{ import filter {{ bgp_community.add(({SenderAs},{i / perSet})); accept; }}; }};\n");
            c.Append($" route {1 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/{(i % 4 == 0 ? 22 : 24)} blackhole;\n");
        }
        c.Append($$"""
            }
            protocol bgp feed {
              disabled;
              local {{SenderAddress}} as {{SenderAs}};
              neighbor {{ReceiverAddress}} as {{ReceiverAs}};
              hold time 240; connect delay time 1; connect retry time 1;
              ipv4 { import none; export all; };
            }

            """);
        return c.ToString();
    }

    private static string Tail(string output) => output.Length > 400 ? output[^400..] : output;

    /// <summary>The 1, 5 and 15 minute load averages: the machine is shared, so every figure says what it ran under.</summary>
    public static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
}
