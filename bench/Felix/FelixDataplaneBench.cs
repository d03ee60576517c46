using System.Diagnostics;
using System.Globalization;
using System.Net;
using L3Net.Bench.Bgp;
using L3Net.Felix;
using L3Net.Felix.Policy;
using L3Net.Felix.Routes;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Bench.Felix;

/// <summary>
/// Whole-system figures for Felix in a throw-away network namespace (never the root one):
/// programming 10,000 endpoint routes and 100,000 learned routes through the route reconciler, side by side with
/// <c>ip -batch</c> adding the same routes in the same run, and for the learned routes BIRD's kernel protocol exporting
/// the same table from static routes (when <c>bird</c> is installed); then the iptables/ipset apply for 1,000 endpoints
/// and 100 policies, first in full, then one label change. Run as root:
/// <c>dotnet run -c Release --project bench -- felix [endpoints] [learned]</c>.
/// </summary>
public static class FelixDataplaneBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var endpoints = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var learned = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var ns = $"l3b{Environment.ProcessId}-felix";
        Run("ip", "netns", "add", ns);
        try
        {
            Run("ip", "-n", ns, "link", "set", "lo", "up");
            // veth pairs with both ends in the namespace stand in for the uplink and the workload interfaces.
            foreach (var (name, peer) in Enumerable.Range(0, 10).Select(i => ($"cali{i}", $"wl{i}")).Prepend(("eth0", "tor")))
            {
                Run("ip", "-n", ns, "link", "add", name, "type", "veth", "peer", "name", peer);
                Run("ip", "-n", ns, "link", "set", name, "up");
                Run("ip", "-n", ns, "link", "set", peer, "up");
            }
            Run("ip", "-n", ns, "addr", "add", "10.0.0.2/16", "dev", "eth0");
            using var socket = NetNamespace.OpenSocket($"/var/run/netns/{ns}");
            Routes(ns, socket, "endpoint", endpoints, i => $"10.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32",
                (t, i, dst) => t.SetEndpoint($"ep{i}", $"cali{i % 10}", [IPNetwork.Parse(dst)]), i => $"dev cali{i % 10} scope link");
            var learnedFigures = Routes(ns, socket, "learned", learned, LearnedDestination,
                (t, i, dst) => t.SetLearned(IPNetwork.Parse(dst), [IPAddress.Parse(LearnedNextHop(i))]), i => $"via {LearnedNextHop(i)}");
            if (ProcessRunner.FindOnPath("bird") is not null)
            {
                var (bird, birdCpu) = await BirdKernelAsync(new NetnsHost(ns, "felix"), learned);
                Console.WriteLine($"{learned} learned routes: bird kernel protocol {bird.TotalMilliseconds:0} ms ({birdCpu:0.00} CPU s, {learned / bird.TotalSeconds:0} routes/s)" +
                                  $"; felix {learned / learnedFigures.Felix.TotalSeconds:0} routes/s, ip -batch {learned / learnedFigures.Ip.TotalSeconds:0} routes/s");
            }
            await IptablesAsync(ns, 1000, 100);
        }
        finally
        {
            Run("ip", "netns", "delete", ns);
        }
        return 0;
    }

    private static string LearnedDestination(int i) => $"{100 + (i >> 18)}.{(i >> 10) & 255}.{(i >> 2) & 255}.{(i & 3) << 6}/26";

    private static string LearnedNextHop(int i) => $"10.0.{1 + (i & 1)}.1";

    private static (TimeSpan Felix, TimeSpan Ip) Routes(string ns, RouteSocket socket, string what, int count, Func<int, string> destination,
        Action<RouteTable, int, string> add, Func<int, string> ipTail)
    {
        var table = new RouteTable();
        for (var i = 0; i < count; i++)
            add(table, i, destination(i));
        var reconciler = new RouteReconciler(socket);
        var cpu = ProcStat.CpuTicks(Environment.ProcessId);
        var clock = Stopwatch.StartNew();
        var result = reconciler.Apply(table.TakeChanges());
        var felix = clock.Elapsed;
        var felixCpu = (ProcStat.CpuTicks(Environment.ProcessId) - cpu) / ProcStat.TicksPerSecond;
        Check(result.Failed == 0, $"{result.Failed} failures: {string.Join("; ", result.Errors)}");
        Run("ip", "-n", ns, "route", "flush", "proto", "77");

        var file = Path.GetTempFileName();
        File.WriteAllLines(file, Enumerable.Range(0, count).Select(i => $"route add {destination(i)} {ipTail(i)} proto 77"));
        clock.Restart();
        Run("ip", "-n", ns, "-batch", file);
        var ip = clock.Elapsed;
        File.Delete(file);
        Run("ip", "-n", ns, "route", "flush", "proto", "77");
        Console.WriteLine($"{count} {what} routes: felix {felix.TotalMilliseconds:0} ms ({felixCpu:0.00} CPU s, the netlink work in the kernel included), ip -batch {ip.TotalMilliseconds:0} ms");
        return (felix, ip);
    }

    /// <summary>
    /// BIRD 2 exporting the learned table to the kernel: the same destinations and next hops as static routes, the
    /// kernel protocol disabled until the statics are loaded, then timed from <c>enable</c> until its export count reaches
    /// <paramref name="count"/> (BIRD's netlink writes are acknowledged one by one, so the count is what the kernel
    /// holds), and checked once against the kernel's own count of <c>proto bird</c> routes.
    /// </summary>
    private static async Task<(TimeSpan Wall, double CpuSeconds)> BirdKernelAsync(NetnsHost host, int count)
    {
        var config = new System.Text.StringBuilder("router id 10.0.0.2;\nprotocol device { }\nprotocol static learned { ipv4;\n");
        for (var i = 0; i < count; i++)
            config.Append("route ").Append(LearnedDestination(i)).Append(" via ").Append(LearnedNextHop(i)).Append(";\n");
        config.Append("}\nprotocol kernel k { disabled; ipv4 { export all; }; }\n");
        var bird = await BirdPeer.StartAsync(host, config.ToString(), TimeSpan.FromMinutes(3));
        try
        {
            await Eventually.AssertAsync(() => bird.Birdc("show", "route", "count").Contains($"{count} of {count} routes"),
                TimeSpan.FromMinutes(3), "BIRD's static routes loaded");
            var cpu = ProcStat.CpuTicks(bird.Process.Pid); // `ip netns exec` execs bird: the same process
            var clock = Stopwatch.StartNew();
            bird.Birdc("enable", "k");
            await Eventually.AssertAsync(() => bird.Protocol("k").Contains($"{count} exported"), TimeSpan.FromMinutes(10),
                $"BIRD's kernel protocol exported {count} routes", () => bird.Protocol("k"));
            var elapsed = clock.Elapsed;
            var cpuSeconds = (ProcStat.CpuTicks(bird.Process.Pid) - cpu) / ProcStat.TicksPerSecond;
            var inKernel = host.Ip("route", "show", "proto", "bird").Count(c => c == '\n');
            Check(inKernel == count, $"the kernel holds {inKernel} BIRD routes, not {count}");
            return (elapsed, cpuSeconds);
        }
        finally
        {
            bird.Process.Dispose();
            Run("ip", "-n", host.Namespace, "route", "flush", "proto", "bird");
        }
    }

    private static async Task IptablesAsync(string ns, int endpointCount, int policyCount)
    {
        var endpoints = Enumerable.Range(0, endpointCount).Select(i => new WorkloadEndpoint
        {
            Metadata = { Name = $"ep{i}", Namespace = "default", Labels = new() { ["app"] = $"app{i % policyCount}", ["role"] = i % 3 == 0 ? "client" : "server" } },
            Spec = new WorkloadEndpointSpec { Node = i % 4 == 0 ? "n1" : "n2", InterfaceName = $"cali{i:x11}", IpNetworks = [$"10.244.{i >> 8}.{i & 255}/32"] },
        }).ToList();
        var policies = Enumerable.Range(0, policyCount).Select(p => new NetworkPolicy
        {
            Metadata = { Name = $"pol{p}", Namespace = "default" },
            Spec = new NetworkPolicySpec
            {
                PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = $"app{p}" } },
                Ingress = [new NetworkPolicyIngressRule
                {
                    From = [new NetworkPolicyPeer { PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = $"app{(p + 1) % policyCount}", ["role"] = "client" } } }],
                    Ports = [new NetworkPolicyPort { Port = "80" }, new NetworkPolicyPort { Port = "8000", EndPort = 8100 }],
                }],
            },
        }).ToList();
        IPPool[] pools = [new() { Metadata = { Name = "p" }, Spec = { Cidr = "10.244.0.0/16", NatOutgoing = true } }];
        var applier = new RuleSetApplier(CommandRunner.InNamespace(ns));

        async Task<(TimeSpan, int, int)> Apply(bool resync)
        {
            var clock = Stopwatch.StartNew();
            var rules = RuleCalculator.Calculate(new RuleInputs("n1", endpoints, policies, pools));
            var result = await applier.ApplyAsync(rules, resync);
            return (clock.Elapsed, result.ChainsWritten, result.IpsetLines);
        }

        var (full, chains, _) = await Apply(resync: true);
        endpoints[1].Metadata.Labels["role"] = "client";
        var (label, labelChains, labelLines) = await Apply(resync: false);
        var (resync, resyncChains, _) = await Apply(resync: true);
        Console.WriteLine($"iptables {endpointCount} endpoints / {policyCount} policies: full apply {full.TotalMilliseconds:0} ms ({chains} chains), " +
                          $"one label change {label.TotalMilliseconds:0} ms ({labelChains} chains, {labelLines} ipset lines), " +
                          $"unchanged resync {resync.TotalMilliseconds:0} ms ({resyncChains} chains)");
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Check(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
            throw new InvalidOperationException(what);
    }
}
