using System.Diagnostics;
using System.Globalization;
using System.Net;
using L3Net.Bench.Bgp;
using L3Net.Datastore;
using L3Net.Felix.Policy;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Testing;

namespace L3Net.Bench.Node;

/// <summary>
/// One real <c>l3net-node</c> against a simulated big cluster (root; everything in a namespace of its own):
/// <c>dotnet run -c Release --project bench -- node-scale [--datastore sqlite|etcd|kubernetes] [--nodes 10,100,1000] [--pods 30]
/// [--rate 20] [--changes 200] [--runs 5] [--node-binary PATH] [--netns-prefix l3ds]</c>.
/// A generator writes N nodes × M pods (every remote pod labelled <c>app=client</c>) and one policy that lets clients of
/// any namespace reach this node's one server pod: the node's ipset of clients holds all N × M addresses. Then, per run,
/// remote pods start and stop at R changes/s, and each change is timed from its WorkloadEndpoint written to its address
/// in (or out of) that ipset in the node's kernel (<c>ipset test</c>, polled in a bounded loop). Per run it prints the
/// latency p50/p99, the node's datastore reads per change (its own <c>l3net_datastore_reads_total</c>: list, get and
/// watch calls), its CPU time per change (utime+stime from /proc, 10 ms ticks) and its RSS.
/// The measuring process runs inside the namespace (the outer one only makes and removes it), so the etcd or the fake
/// Kubernetes API server it starts on 127.0.0.1 is the node's too and nothing leaves the namespace. On the Kubernetes
/// datastore every pod is also a Pod of the API (<see cref="NodeScaleKubernetes"/>), so a change is a Pod event for
/// the node's informers as well as a WorkloadEndpoint event for its cache.
/// </summary>
public static class NodeScaleBench
{
    private const string LocalNode = "local";
    private const string LocalNamespace = "local-ns";
    private const int HealthPort = 9099;

    public static async Task<int> RunAsync(string[] args)
    {
        // Engineers sharing the machine tell their namespaces apart by the prefix.
        var ns = $"{Option(args, "--netns-prefix", "l3ds")}{Environment.ProcessId}";
        Run("ip", "netns", "add", ns);
        try
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
            using var inner = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, self, "node-scale-inner", .. args]) { UseShellExecute = false })!;
            await inner.WaitForExitAsync();
            return inner.ExitCode;
        }
        finally
        {
            foreach (var pid in ProcessRunner.Run("ip", ["netns", "pids", ns]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                ProcessRunner.Run("kill", ["-KILL", pid.Trim()]);
            Run("ip", "netns", "delete", ns);
        }
    }

    /// <summary>The measuring half, inside the namespace.</summary>
    public static async Task<int> RunInsideAsync(string[] args)
    {
        var backend = Option(args, "--datastore", "sqlite");
        var sizes = Option(args, "--nodes", "10,100,1000").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var pods = int.Parse(Option(args, "--pods", "30"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Option(args, "--rate", "20"), CultureInfo.InvariantCulture);
        var changes = int.Parse(Option(args, "--changes", "200"), CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs", "5"), CultureInfo.InvariantCulture);
        var binary = Option(args, "--node-binary", Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "src", "Node", "bin", "Release", "net10.0", "l3net-node"));
        Run("ip", "link", "set", "lo", "up");
        // veth pairs with both ends in the namespace (this kernel has no dummy links): the node's uplink, and the
        // local server pod's host-side interface, so its route lands and nothing stays pending.
        foreach (var (name, peer) in new[] { ("eth0", "tor"), ("caliserver", "wlserver") })
        {
            Run("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
            Run("ip", "link", "set", name, "up");
            Run("ip", "link", "set", peer, "up");
        }
        Run("ip", "addr", "add", "10.0.0.1/24", "dev", "eth0");
        Console.WriteLine($"node-scale: {backend}, M = {pods} pods a node, {rate} changes/s, {changes} changes a run, {runs} runs; load: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("N\trun\tp50 ms\tp99 ms\tmax ms\treads/change\tCPU ms/change\tRSS MiB\tfill s");
        foreach (var n in sizes)
        {
            var dir = Directory.CreateTempSubdirectory("l3ds-scale-").FullName;
            BackgroundProcess? etcd = null;
            NodeScaleKubernetes? api = null;
            try
            {
                string config;
                if (backend == "etcd")
                {
                    (etcd, config) = await StartEtcdAsync(dir);
                }
                else if (backend == "kubernetes")
                {
                    api = await NodeScaleKubernetes.StartAsync(dir);
                    config = api.Datastore;
                }
                else
                {
                    config = $"sqlite://{Path.Combine(dir, "l3net.db")}";
                }
                await using var store = DatastoreFactory.Open(config);
                var cluster = new ResourceStore(store);
                await GenerateAsync(cluster, api, n, pods);
                using var node = new BackgroundProcess(binary, ["--node", LocalNode, "--datastore", config, "--ipv4-address", "10.0.0.1/24",
                    "--as", "64512", "--status-socket", Path.Combine(dir, "node.sock"), "--health", $"127.0.0.1:{HealthPort}", "--resync-interval", "3600"]);
                var fill = Stopwatch.StartNew();
                await WaitAsync(() => Members(ClientSet) == (n - 1) * pods, TimeSpan.FromMinutes(5), $"the node's client set to hold {(n - 1) * pods} addresses", node);
                var filled = fill.Elapsed.TotalSeconds;
                for (var run = 0; run < runs; run++)
                {
                    var r = await ChurnAsync(cluster, api, new IpamService(store), node, n, run, rate, changes);
                    Console.WriteLine(string.Join('\t', n, run + 1, Ms(r.P50), Ms(r.P99), Ms(r.Max), r.ReadsPerChange.ToString("0.00", CultureInfo.InvariantCulture),
                        r.CpuMsPerChange.ToString("0.00", CultureInfo.InvariantCulture), (r.Rss / 1048576.0).ToString("0", CultureInfo.InvariantCulture),
                        filled.ToString("0.0", CultureInfo.InvariantCulture)));
                }
            }
            finally
            {
                etcd?.Dispose();
                if (api is not null)
                    await api.DisposeAsync();
                Directory.Delete(dir, recursive: true);
                // Leave no set or chain behind for the next size: the next node starts on a clean kernel.
                ProcessRunner.Run("iptables", ["-F"]);
                ProcessRunner.Run("iptables", ["-X"]);
                ProcessRunner.Run("ipset", ["destroy"]);
            }
        }
        return 0;
    }

    /// <summary>The ipset holding every <c>app=client</c> pod of any namespace, as the node names it.</summary>
    private static readonly string ClientSet = IpVersion.V4.SetName("s", PodSelection.Of(ClientPeer(), LocalNamespace).Key);

    private static NetworkPolicyPeer ClientPeer()
        => new() { NamespaceSelector = new KubeLabelSelector(), PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = "client" } } };

    /// <summary>N − 1 remote nodes with M client pods each (ten namespaces), this node with one server pod, the policy,
    /// and the BGP mesh off (a 1,000-node cluster peers with route reflectors; the dataplane is what is measured here);
    /// under the Kubernetes datastore also the API's Namespaces, Nodes and Pods.</summary>
    private static async Task GenerateAsync(ResourceStore cluster, NodeScaleKubernetes? api, int nodes, int pods)
    {
        if (api is not null)
        {
            foreach (var ns in Enumerable.Range(0, 10).Select(i => $"ns{i}").Append(LocalNamespace))
                api.AddNamespace(ns);
            api.AddNode(LocalNode);
            api.AddPod(LocalNamespace, "server", "server", LocalNode);
        }
        await cluster.CreateAsync(new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } });
        // The generated pods' addresses (10.128.0.0/9) are written as they are; the churn's pods get theirs from IPAM
        // in a pool of their own, so every start and stop also changes the remote node's block, as a CNI ADD/DEL does.
        await cluster.CreateAsync(new IPPool { Metadata = { Name = "churn" }, Spec = { Cidr = "10.127.0.0/16", BlockSize = 26 } });
        await cluster.CreateAsync(new NetworkPolicy
        {
            Metadata = { Name = "clients", Namespace = LocalNamespace },
            Spec = new NetworkPolicySpec
            {
                PodSelector = new KubeLabelSelector { MatchLabels = new() { ["app"] = "server" } },
                Ingress = [new NetworkPolicyIngressRule { From = [ClientPeer()] }],
            },
        });
        await cluster.CreateAsync(Pod(LocalNode, LocalNamespace, "server", "server", "10.128.0.1", "caliserver"));
        var work = Enumerable.Range(1, nodes - 1).SelectMany(node => Enumerable.Range(0, pods).Select(p => (node, p)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (w, ct) =>
        {
            if (w.p == 0)
            {
                api?.AddNode($"node{w.node}");
                await cluster.CreateAsync(new NodeResource { Metadata = { Name = $"node{w.node}" } }, ct);
            }
            api?.AddPod($"ns{w.node % 10}", $"pod{w.p}", "client", $"node{w.node}");
            await cluster.CreateAsync(Pod($"node{w.node}", $"ns{w.node % 10}", $"pod{w.p}", "client", Address(w.node, w.p), $"cali{w.p}"), ct);
        });
    }

    /// <summary>The <c>node</c>-th /26 from 10.128.0.0, address <c>pod + 2</c> in it.</summary>
    private static string Address(int node, int pod)
    {
        var value = (10u << 24) | (128u << 16) | ((uint)node << 6) | (uint)(pod + 2);
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
    }

    private static WorkloadEndpoint Pod(string node, string ns, string pod, string app, string address, string iface) => new()
    {
        Metadata = { Name = $"{node}-{pod}-eth0", Namespace = ns, Labels = new() { ["app"] = app } },
        Spec = new WorkloadEndpointSpec
        {
            Node = node, Pod = pod, ContainerId = pod, Network = "k8s-pod-network", InterfaceName = iface, IpNetworks = [address + "/32"],
        },
    };

    private sealed record Figures(TimeSpan P50, TimeSpan P99, TimeSpan Max, double ReadsPerChange, double CpuMsPerChange, long Rss);

    /// <summary>Remote pods started and stopped alternately at <paramref name="rate"/> changes/s (pod k starts, then
    /// stops, on node k mod N − 1) as a CNI plugin does it: an address assigned, then the WorkloadEndpoint written;
    /// the WorkloadEndpoint deleted, then the address released. Each is timed from the WorkloadEndpoint's write (or
    /// delete) returning to the kernel's ipset showing it (or no longer).</summary>
    private static async Task<Figures> ChurnAsync(ResourceStore cluster, NodeScaleKubernetes? api, IpamService ipam, BackgroundProcess node, int nodes, int run,
        double rate, int changes)
    {
        var readsBefore = await ReadsAsync();
        var cpuBefore = ProcStat.CpuTicks(node.Pid);
        var latencies = new List<TimeSpan>();
        var address = "";
        var start = Stopwatch.StartNew();
        for (var k = 0; k < changes; k++)
        {
            var due = TimeSpan.FromSeconds(k / rate) - start.Elapsed;
            if (due > TimeSpan.Zero)
                await Task.Delay(due);
            var pod = k / 2;
            var remote = $"node{1 + pod % (nodes - 1)}";
            var handle = $"k8s-pod-network.churn{run}-{pod}";
            var starting = k % 2 == 0;
            Stopwatch written;
            if (starting)
            {
                api?.AddPod($"ns{pod % 10}", $"churn{run}-{pod}", "client", remote);
                address = (await ipam.AutoAssignAsync(new AutoAssignRequest { Handle = handle, Node = remote }))[0].Address.ToString();
                await cluster.CreateAsync(Pod(remote, $"ns{pod % 10}", $"churn{run}-{pod}", "client", address, $"calichurn{pod}"));
                written = Stopwatch.StartNew();
            }
            else
            {
                await cluster.DeleteAsync<WorkloadEndpoint>($"{remote}-churn{run}-{pod}-eth0", $"ns{pod % 10}");
                written = Stopwatch.StartNew();
                await ipam.ReleaseByHandleAsync(handle);
                api?.RemovePod($"ns{pod % 10}", $"churn{run}-{pod}");
            }
            await WaitAsync(() => InSet(ClientSet, address) == starting, TimeSpan.FromSeconds(10), $"{address} {(starting ? "in" : "out of")} {ClientSet}", node);
            latencies.Add(written.Elapsed);
        }
        var cpu = (ProcStat.CpuTicks(node.Pid) - cpuBefore) / ProcStat.TicksPerSecond;
        var reads = await ReadsAsync() - readsBefore;
        latencies.Sort();
        return new Figures(Percentile(latencies, 0.5), Percentile(latencies, 0.99), latencies[^1], reads / changes, cpu * 1000 / changes, ProcStat.RssBytes(node.Pid));
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>The node's own count of its datastore calls (list, get, watch started), from its /metrics.</summary>
    private static async Task<double> ReadsAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync($"http://127.0.0.1:{HealthPort}/metrics");
        var lines = text.Split('\n').Where(l => l.StartsWith("l3net_datastore_reads_total{", StringComparison.Ordinal)).ToList();
        // A node from before the counter (a baseline run) has no such line: no figure rather than a false zero.
        return lines.Count == 0 ? double.NaN : lines.Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static bool InSet(string set, string address) => ProcessRunner.Run("ipset", ["-q", "test", set, address]).Ok;

    /// <summary>The set's member count, or -1 while it does not exist.</summary>
    private static int Members(string set)
    {
        var save = ProcessRunner.Run("ipset", ["save", set]);
        return save.Ok ? save.Stdout.Split('\n').Count(l => l.StartsWith("add ", StringComparison.Ordinal)) : -1;
    }

    /// <summary>Polls <paramref name="condition"/> every millisecond or so until it holds; bounded by <paramref name="within"/>.</summary>
    private static async Task WaitAsync(Func<bool> condition, TimeSpan within, string what, BackgroundProcess node)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (node.HasExited)
                throw new InvalidOperationException($"l3net-node exited while waiting for {what}:\n{node.Output}");
            if (clock.Elapsed > within)
                throw new TimeoutException($"no {what} within {within.TotalSeconds} s; node log:\n{string.Join('\n', node.Output.Split('\n').TakeLast(20))}");
            await Task.Delay(1);
        }
    }

    /// <summary>A real etcd on the namespace's loopback, its data in <paramref name="dir"/>.</summary>
    private static async Task<(BackgroundProcess, string)> StartEtcdAsync(string dir)
    {
        var url = "http://127.0.0.1:22379";
        var etcd = new BackgroundProcess("etcd", ["--data-dir", Path.Combine(dir, "etcd"), "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", "http://127.0.0.1:22380", "--log-level", "error", "--quota-backend-bytes", "4294967296"]);
        var clock = Stopwatch.StartNew();
        while (!ProcessRunner.Run("etcdctl", ["--endpoints", url, "--dial-timeout", "1s", "endpoint", "health"]).Ok)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException($"etcd did not start:\n{etcd.Output}");
            await Task.Delay(200);
        }
        return (etcd, "etcd://127.0.0.1:22379");
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static void Run(params string[] args) => ProcessRunner.Run(args[0], args[1..]).EnsureOk(string.Join(' ', args));
}
