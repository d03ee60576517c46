using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Bench.Bgp;

/// <summary>
/// Whole-system route reflector run (root): our speaker reflects for N iBGP clients (default 200). The clients are one
/// BIRD with N BGP protocols, each with its own router ID, its own source address (a /32 on the client namespace's
/// loopback) and its own table holding R static routes (default 1), so each behaves as a separate router. Measured from
/// the speaker's start: all sessions Established, and every client having every other client's routes ((N - 1) x R
/// imported). Also the reflector's CPU seconds and resident memory.
/// </summary>
internal static partial class ReflectorBench
{
    private const string ReflectorAddress = "10.78.0.1", ClientSide = "10.78.0.2";
    private const uint As = 64512;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    /// <summary><c>bgp-rr [--clients N] [--routes R]</c></summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var clients = Option(args, "--clients", 200);
        var routes = Option(args, "--routes", 1);
        if (clients is < 1 or > 250 || routes is < 1 or > 1000)
            throw new ArgumentException("--clients must be 1..250, --routes 1..1000");
        Console.WriteLine($"# bgp-rr: {clients} clients x {routes} routes, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load: {FullFeedBench.Load()}");
        using var net = new TestNetwork();
        var rr = net.AddHost("rr");
        var cl = net.AddHost("cl");
        net.Link(rr, $"{ReflectorAddress}/24", cl, $"{ClientSide}/24");
        for (var i = 1; i <= clients; i++)
            cl.Ip("addr", "add", $"{ClientAddress(i)}/32", "dev", "lo");
        rr.Ip("route", "add", "10.78.1.0/24", "via", ClientSide);
        var bird = await BirdPeer.StartAsync(cl, ClientsConfig(clients, routes), TimeSpan.FromMinutes(1));

        var start = Stopwatch.GetTimestamp();
        var speaker = OurReceiver.StartSpeaker(rr, ["--as", As.ToString(), "--router-id", ReflectorAddress, "--listen", ReflectorAddress,
            "--cluster-id", ReflectorAddress, "--active", "--rr-clients",
            .. Enumerable.Range(1, clients).SelectMany(i => new[] { "--peer", $"{ClientAddress(i)},{As}" })]);
        double? allEstablished = null, allRoutes = null;
        var (up, complete) = (0, 0);
        while (allRoutes is null)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed > Deadline || speaker.HasExited)
            {
                Console.WriteLine($"failed after {elapsed.TotalSeconds:0.0} s: {up} established, {complete} clients complete");
                Console.WriteLine(speaker.Output.Length > 2000 ? speaker.Output[^2000..] : speaker.Output);
                Console.WriteLine(bird.Process.Output.Length > 2000 ? bird.Process.Output[^2000..] : bird.Process.Output);
                return 1;
            }
            (up, complete) = ClientsState(bird.Birdc("show", "protocols", "all"), (clients - 1) * routes);
            if (up == clients)
                allEstablished ??= elapsed.TotalSeconds;
            if (up == clients && complete == clients)
                allRoutes = elapsed.TotalSeconds;
            else
                await Task.Delay(200);
        }
        var cpu = ProcStat.CpuTicks(speaker.Pid) / ProcStat.TicksPerSecond;
        var rss = ProcStat.RssBytes(speaker.Pid) / 1048576.0;
        var clientsCpu = ProcStat.CpuTicks(bird.Process.Pid) / ProcStat.TicksPerSecond; // includes loading its config
        Console.WriteLine();
        Console.WriteLine("| clients | routes each | all Established | every client has every route | reflector CPU s (incl. start-up) | reflector RSS | clients (BIRD) CPU s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {clients} | {routes} | {allEstablished:0.00} s | {allRoutes:0.00} s | {cpu:0.00} | {rss:0} MiB | {clientsCpu:0.00} |");
        // A session that failed and came back shows as a late "all Established": say so rather than leave it a mystery.
        var drops = speaker.Output.Split('\n').Where(l => l.Contains("-> Active") || l.Contains("-> Idle")).ToList();
        Console.WriteLine($"# reflector sessions that failed during the run: {drops.Count}{(drops.Count > 0 ? "; first: " + drops[0] : "")}");
        Console.WriteLine($"# load at the end: {FullFeedBench.Load()}");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : fallback;
    }

    private static string ClientAddress(int i) => $"10.78.1.{i}";

    /// <summary>Client i's route j (0-based): /32s counted up from 100.64.0.0, i.e. at most 250 x 1000 of 4M.</summary>
    private static string Route(int i, int j, int routes)
    {
        var k = (i - 1) * routes + j;
        return $"100.{64 + k / 65536}.{k / 256 % 256}.{k % 256}/32";
    }

    /// <summary>Per client: a table, its static routes in it, and a passive iBGP session to the reflector
    /// sourced from its own address with its own router ID (so ORIGINATOR_ID loop checks see separate routers). BIRD
    /// locks a neighbor by (address, port) and would run only one protocol per neighbor address, so each names its own
    /// remote port; being passive, it never connects there (incoming connections are matched without the port).</summary>
    private static string ClientsConfig(int clients, int routes)
    {
        var c = new StringBuilder($"router id {ClientSide};\nprotocol device {{}}\n");
        for (var i = 1; i <= clients; i++)
            c.Append($$"""
                ipv4 table t{{i}};
                protocol static s{{i}} { ipv4 { table t{{i}}; }; {{string.Concat(Enumerable.Range(0, routes).Select(j => $"route {Route(i, j, routes)} blackhole; "))}}}
                protocol bgp c{{i}} {
                  router id {{ClientAddress(i)}};
                  local {{ClientAddress(i)}} as {{As}}; neighbor {{ReflectorAddress}} port {{20000 + i}} as {{As}};
                  passive on; hold time 240;
                  ipv4 { table t{{i}}; import all; export all; };
                }

                """);
        return c.ToString();
    }

    /// <summary>(clients Established, clients that imported <paramref name="expected"/> routes) from <c>show protocols all</c>.</summary>
    private static (int Up, int Complete) ClientsState(string protocols, int expected)
    {
        var (up, complete) = (0, 0);
        foreach (Match m in ClientBlock().Matches(protocols))
        {
            if (m.Groups["state"].Value != "Established")
                continue;
            up++;
            if (long.Parse(m.Groups["imported"].Value) >= expected)
                complete++;
        }
        return (up, complete);
    }

    [GeneratedRegex(@"^c\d+\s+BGP\s+\S+\s+\S+\s+\S+\s+(?<state>\S+)(?:(?!^c\d+\s).)*?Routes:\s+(?<imported>\d+) imported",
        RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ClientBlock();
}
