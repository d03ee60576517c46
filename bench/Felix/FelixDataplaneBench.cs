using System.Diagnostics;
using System.Globalization;
using System.Net;
using L3Net.Felix;
using L3Net.Felix.Policy;
using L3Net.Felix.Routes;
using L3Net.Model.Resources;
using L3Net.Netlink;

namespace L3Net.Bench.Felix;

/// <summary>
/// Whole-system figures for Felix in a throw-away network namespace (never the root one):
/// programming 10,000 endpoint routes and 100,000 learned routes through the route reconciler, side by side with
/// <c>ip -batch</c> adding the same routes in the same run; and the iptables/ipset apply for 1,000 endpoints and 100
/// policies, first in full, then one label change. Run as root:
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
            Routes(ns, socket, "learned", learned, i => $"{100 + (i >> 18)}.{(i >> 10) & 255}.{(i >> 2) & 255}.{(i & 3) << 6}/26",
                (t, i, dst) => t.SetLearned(IPNetwork.Parse(dst), [IPAddress.Parse($"10.0.{1 + (i & 1)}.1")]), i => $"via 10.0.{1 + (i & 1)}.1");
            await IptablesAsync(ns, 1000, 100);
        }
        finally
        {
            Run("ip", "netns", "delete", ns);
        }
        return 0;
    }

    private static void Routes(string ns, RouteSocket socket, string what, int count, Func<int, string> destination,
        Action<RouteTable, int, string> add, Func<int, string> ipTail)
    {
        var table = new RouteTable();
        for (var i = 0; i < count; i++)
            add(table, i, destination(i));
        var reconciler = new RouteReconciler(socket);
        var clock = Stopwatch.StartNew();
        var result = reconciler.Apply(table.TakeChanges());
        var felix = clock.Elapsed;
        Check(result.Failed == 0, $"{result.Failed} failures: {string.Join("; ", result.Errors)}");
        Run("ip", "-n", ns, "route", "flush", "proto", "77");

        var file = Path.GetTempFileName();
        File.WriteAllLines(file, Enumerable.Range(0, count).Select(i => $"route add {destination(i)} {ipTail(i)} proto 77"));
        clock.Restart();
        Run("ip", "-n", ns, "-batch", file);
        var ip = clock.Elapsed;
        File.Delete(file);
        Run("ip", "-n", ns, "route", "flush", "proto", "77");
        Console.WriteLine($"{count} {what} routes: felix {felix.TotalMilliseconds:0} ms, ip -batch {ip.TotalMilliseconds:0} ms");
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
