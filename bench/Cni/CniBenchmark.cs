using System.Diagnostics;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;

namespace L3Net.Bench.Cni;

/// <summary>
/// Whole-system CNI latency, side by side in one run: `l3net` against the reference `ptp` + `host-local`, an empty
/// ReadyToRun program as the floor (issue 5) and an empty NativeAOT program for information. Every invocation is exec'd in a node namespace through nsenter (the same
/// overhead for all three), interleaved per pod so that machine load hits all subjects alike.
/// <c>--datastore kubernetes</c> runs the plugin on the Kubernetes datastore against the FAKE API server of the unit
/// tests (listening in the node namespace; every pod exists there and the plugin reads it, as under a kubelet);
/// <c>--datastore etcd</c> runs a real etcd on the node namespace's loopback (<see cref="BenchEtcd"/>; the pool and the
/// IPAM check go through <c>l3netctl</c>, <c>--cli PATH</c>, inside the namespace).
/// <c>--baseline-plugin PATH</c> adds a second l3net binary (say, the one main builds) to the same interleaving.
/// <c>--daemon PATH</c> (an <c>l3net-node</c>) runs the daemon in the node namespace and adds a subject whose
/// configuration hands every invocation to it (<c>daemon_socket</c>); the plain l3net subject names a socket where no
/// daemon listens, so it measures the plugin doing the work itself, as when the daemon is down.
/// Run as root: `dotnet run -c Release --project bench -- cni [--pods 200] [--concurrent 50] [--plugin PATH] [--floor PATH]
/// [--datastore sqlite|etcd|kubernetes] [--cli PATH] [--baseline-plugin PATH] [--daemon PATH] [--netns-prefix PREFIX]`.
/// </summary>
public static class CniBenchmark
{
    private const string RefDir = "/usr/lib/cni";

    public static async Task<int> RunAsync(string[] args)
    {
        var pods = Option(args, "--pods", 200);
        var concurrent = Option(args, "--concurrent", 50);
        var root = RepoRoot();
        var plugin = Option(args, "--plugin", Path.Combine(root, "artifacts", "bin", "l3net"));
        var floor = Option(args, "--floor", "");
        var baseline = Option(args, "--baseline-plugin", "");
        var daemonBinary = Option(args, "--daemon", "");
        var backend = Option(args, "--datastore", "sqlite");
        if (backend is not ("sqlite" or "kubernetes" or "etcd"))
            throw new ArgumentException($"--datastore {backend}: expected sqlite, etcd or kubernetes");
        var cli = Option(args, "--cli", Path.Combine(root, "artifacts", "bin", "l3netctl"));
        using var lab = new BenchNamespaces(Option(args, "--netns-prefix", $"l3b{Environment.ProcessId}"));
        var work = Directory.CreateTempSubdirectory("l3net-cnibench-").FullName;
        try
        {
            if (floor.Length == 0)
                floor = await EmptyProgram.PublishReadyToRunAsync(work);
            var emptyAot = await EmptyProgram.PublishNativeAotAsync(work);
            var node = lab.Add("node");
            // Proxy ARP needs a route out of another interface: a veth uplink that leads nowhere.
            BenchNamespaces.Ip("-n", node, "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1");
            BenchNamespaces.Ip("-n", node, "link", "set", "uplink0", "up");
            BenchNamespaces.Ip("-n", node, "link", "set", "uplink1", "up");
            BenchNamespaces.Ip("-n", node, "route", "add", "default", "dev", "uplink0");
            var pool = new IPPool { Metadata = { Name = "bench" }, Spec = { Cidr = "10.210.0.0/16", BlockSize = 26 } };
            await using var api = backend == "kubernetes" ? await BenchKubernetes.StartAsync(node, work, pool) : null;
            using var etcd = backend == "etcd" ? await BenchEtcd.StartAsync(node, cli, work, pool) : null;
            var datastore = api?.Datastore ?? etcd?.Datastore ?? $"sqlite://{work}/l3net.db";
            if (backend == "sqlite")
            {
                await using var store = DatastoreFactory.Open(datastore);
                await new ResourceStore(store).ApplyAsync(pool);
            }
            // The daemon's own store: the plugin's on SQLite; a SQLite file of its own beside the fake API server, which
            // serves what the plugin asks, not a daemon's watches.
            using var daemon = daemonBinary.Length == 0 ? null
                : await BenchDaemon.StartAsync(daemonBinary, node, work, api is null ? datastore : $"sqlite://{work}/node.db");
            string L3netConf(string socket) => $$$"""{"cniVersion":"1.0.0","name":"bench-l3net","type":"l3net","datastore":"{{{datastore}}}","nodename":"bench","log_file":"{{{work}}}/l3net.log","daemon_socket":"{{{socket}}}","ipam":{"type":"l3net-ipam"}}""";
            var l3netConf = L3netConf($"{work}/no-daemon.sock");
            var ptpConf = $$$"""{"cniVersion":"1.0.0","name":"bench-ptp","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.211.0.0/16"}]],"dataDir":"{{{work}}}/host-local"}}""";
            var plugins = new List<Subject> { new("l3net", "l", plugin, l3netConf, api) };
            if (daemon is not null)
                plugins.Add(new Subject("l3net, handed to l3net-node", "d", plugin, L3netConf(daemon.Socket), api));
            if (baseline.Length > 0)
                plugins.Add(new Subject("l3net (baseline)", "b", baseline, l3netConf, api));
            plugins.Add(new Subject("ptp + host-local", "p", Path.Combine(RefDir, "ptp"), ptpConf));
            var subjects = plugins.Concat([new Subject("empty R2R program (floor)", "f", floor, "{}"), new Subject("empty NativeAOT program", "a", emptyAot, "{}")]).ToArray();
            var runner = new Invoker(node);

            // Each plugin gets its own pod namespaces: both name the pod's interface eth0.
            var podNs = plugins.ToDictionary(s => s, s => Enumerable.Range(0, pods).Select(i => lab.Add($"{s.Tag}{i}")).ToList());
            foreach (var (s, n) in subjects.Select((s, n) => (s, n)))
            {
                // The first exec of each binary pays the disk cache; each subject warms up in a namespace of its own.
                var warm = lab.Add($"w{n}");
                await runner.RunAsync(s, "ADD", "warm", warm);
                await runner.RunAsync(s, "DEL", "warm", warm);
            }
            for (var i = 0; i < pods; i++)
                foreach (var s in plugins)
                    s.Add.Add(await runner.RunAsync(s, "ADD", $"s{s.Tag}{i}", podNs[s][i], s.AddRequests));
            for (var i = 0; i < pods; i++)
            {
                foreach (var s in plugins)
                    s.Del.Add(await runner.RunAsync(s, "DEL", $"s{s.Tag}{i}", podNs[s][i], s.DelRequests));
                foreach (var empty in subjects.Skip(plugins.Count))
                    empty.Add.Add(await runner.RunAsync(empty, "ADD", "x", podNs[subjects[0]][i]));
            }

            var wall = new Dictionary<string, (double Add, double Del)>();
            foreach (var s in plugins)
            {
                var ns = Enumerable.Range(0, concurrent).Select(i => lab.Add($"{s.Tag}c{i}")).ToList();
                var addresses = new string[concurrent];
                var add = await Wall(() => Task.WhenAll(ns.Select(async (p, i) => addresses[i] = await runner.AddressAsync(s, $"c{s.Tag}{i}", p))));
                if (addresses.Distinct().Count() != concurrent)
                    throw new InvalidOperationException($"{s.Name}: {concurrent} concurrent ADDs got {addresses.Distinct().Count()} distinct addresses");
                var del = await Wall(() => Task.WhenAll(ns.Select((p, i) => runner.RunAsync(s, "DEL", $"c{s.Tag}{i}", p))));
                wall[s.Name] = (add, del);
            }
            Report(subjects, wall, pods, concurrent);
            if (api is not null)
            {
                ReportRequests(plugins);
                // The fake API server listens in the node namespace, out of this process's reach.
                Console.WriteLine("concurrent ADD addresses distinct for every l3net subject; ipam check: not run (Kubernetes datastore)");
                return 0;
            }
            if (etcd is not null)
            {
                var (clean, report) = etcd.IpamCheck();
                Console.WriteLine($"concurrent ADD addresses distinct for every l3net subject; ipam check: {(clean ? "clean" : report)}");
                return clean ? 0 : 1;
            }
            await using (var store = DatastoreFactory.Open(datastore))
            {
                // What `l3netctl ipam check` reports: after every DEL nothing may be left assigned or owned wrongly.
                var check = await new IpamService(store).CheckAsync(TimeSpan.Zero);
                Console.WriteLine($"concurrent ADD addresses distinct for every l3net subject; ipam check: {(check.Clean ? "clean" : check.ToString())}");
                if (!check.Clean)
                    return 1;
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<double> Wall(Func<Task> run)
    {
        var sw = Stopwatch.StartNew();
        await run();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static void Report(Subject[] subjects, Dictionary<string, (double Add, double Del)> wall, int pods, int concurrent)
    {
        Console.WriteLine($"| {pods} sequential pods | ADD median | ADD p99 | DEL median | DEL p99 | {concurrent} concurrent ADDs (wall) | {concurrent} concurrent DELs (wall) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var s in subjects)
        {
            var w = wall.TryGetValue(s.Name, out var x) ? ($"{x.Add:0} ms", $"{x.Del:0} ms") : ("", "");
            Console.WriteLine($"| {s.Name} | {Percentile(s.Add, 50):0.0} ms | {Percentile(s.Add, 99):0.0} ms | " +
                              $"{(s.Del.Count == 0 ? "" : $"{Percentile(s.Del, 50):0.0} ms")} | {(s.Del.Count == 0 ? "" : $"{Percentile(s.Del, 99):0.0} ms")} | {w.Item1} | {w.Item2} |");
        }
    }

    /// <summary>What each sequential invocation asked the API server: the count per ADD and DEL, and the requests of
    /// one ADD, so that two clients' round trips can be compared, not only their times.</summary>
    private static void ReportRequests(IEnumerable<Subject> subjects)
    {
        foreach (var s in subjects.Where(s => s.AddRequests.Count > 0))
        {
            Console.WriteLine($"{s.Name}: API requests per ADD {Percentile([.. s.AddRequests.Select(r => (double)r.Count)], 50):0}, " +
                              $"per DEL {Percentile([.. s.DelRequests.Select(r => (double)r.Count)], 50):0}; one ADD:");
            foreach (var request in s.AddRequests[^1])
                Console.WriteLine($"    {request}");
        }
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }

    private static T Option<T>(string[] args, string name, T fallback)
    {
        var i = Array.IndexOf(args, name);
        return i < 0 || i + 1 >= args.Length ? fallback : (T)Convert.ChangeType(args[i + 1], typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "L3Net.sln")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        return dir;
    }
}

/// <summary>One binary measured; <see cref="Tag"/> keeps its container IDs and namespaces apart from the others'.
/// With <see cref="Kubernetes"/>, every invocation names a pod (CNI_ARGS), which exists in the fake API server.</summary>
internal sealed record Subject(string Name, string Tag, string Binary, string Conf, BenchKubernetes? Kubernetes = null)
{
    public List<double> Add { get; } = [];
    public List<double> Del { get; } = [];

    /// <summary>On the Kubernetes datastore, the API requests of each sequential ADD and DEL.</summary>
    public List<IReadOnlyList<string>> AddRequests { get; } = [];
    public List<IReadOnlyList<string>> DelRequests { get; } = [];
}

/// <summary>Execs a plugin in the node namespace the way a runtime would and times it, failing loudly on an error.</summary>
internal sealed class Invoker(string node)
{
    /// <summary>Times one invocation; with <paramref name="requests"/>, also keeps the API requests it sent (the
    /// invocations are sequential, and nothing else talks to the fake API server meanwhile).</summary>
    public async Task<double> RunAsync(Subject s, string command, string containerId, string podNs, List<IReadOnlyList<string>>? requests = null)
    {
        var before = s.Kubernetes?.Requests().Count ?? 0;
        var ms = (await InvokeAsync(s, command, containerId, podNs)).Ms;
        if (s.Kubernetes is { } api && requests is not null)
            requests.Add([.. api.Requests().Skip(before)]);
        return ms;
    }

    /// <summary>An ADD whose result is read: the pod's first address, or the subject's name for a non-CNI program.</summary>
    public async Task<string> AddressAsync(Subject s, string containerId, string podNs)
    {
        var stdout = (await InvokeAsync(s, "ADD", containerId, podNs)).Stdout;
        return JsonNode.Parse(stdout)?["ips"]?[0]?["address"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"{s.Name} ADD {containerId}: no address in {stdout}");
    }

    private async Task<(double Ms, string Stdout)> InvokeAsync(Subject s, string command, string containerId, string podNs)
    {
        var psi = new ProcessStartInfo("nsenter", [$"--net=/var/run/netns/{node}", s.Binary])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["CNI_COMMAND"] = command;
        psi.Environment["CNI_CONTAINERID"] = containerId;
        psi.Environment["CNI_NETNS"] = $"/var/run/netns/{podNs}";
        psi.Environment["CNI_IFNAME"] = "eth0";
        psi.Environment["CNI_PATH"] = "/usr/lib/cni";
        if (s.Kubernetes is { } api)
        {
            api.AddPod(containerId);
            psi.Environment["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={BenchKubernetes.Namespace};K8S_POD_NAME={containerId}";
        }
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        try
        {
            await p.StandardInput.WriteAsync(s.Conf);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // Gone before reading its config: the exit code and stderr below say why.
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var ms = sw.Elapsed.TotalMilliseconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{s.Name} {command} {containerId} exited {p.ExitCode}: {await stdout} {await stderr}");
        return (ms, await stdout);
    }
}
