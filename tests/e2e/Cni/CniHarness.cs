using System.Text.Json;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Testing;

namespace L3Net.Tests.E2e.Cni;

/// <summary>One result of running the plugin: exit code and the JSON it printed.</summary>
internal sealed record CniRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("empty stdout");

    public int ErrorCode => Json["code"]!.GetValue<int>();

    public CniRun Ok()
    {
        if (ExitCode != 0)
            throw new InvalidOperationException($"plugin exited {ExitCode}: {Stdout}\n{Stderr}");
        return this;
    }
}

/// <summary>
/// A node namespace with a SQLite datastore holding one pool, and the built `l3net` binary exec'd inside the node
/// namespace the way a runtime does it (CNI_* environment, config on stdin). Pod namespaces are added per test.
/// </summary>
internal sealed class CniHarness : IDisposable
{
    /// <summary>CNI test classes run one after the other: each may start dozens of plugin processes.</summary>
    public const string Collection = "cni";

    public const string Network = "k8s-pod-network";
    public const string NodeName = "node1";
    public const string NodeAddress = "10.99.9.1";

    private readonly string _dir = Directory.CreateTempSubdirectory("l3net-cni-").FullName;

    public CniHarness(string poolCidr = "10.77.0.0/24", int blockSize = 28)
    {
        Net = new TestNetwork();
        try
        {
            Node = Net.AddHost("node", forwarding: true);
            SetupNode();
        }
        catch
        {
            Net.Dispose();
            Directory.Delete(_dir, recursive: true);
            throw;
        }
        Store = DatastoreFactory.Open(DatastoreUrl);
        Resources = new ResourceStore(Store);
        AddPool("default", poolCidr, blockSize);
    }

    private void SetupNode()
    {
        Node.Ip("addr", "add", $"{NodeAddress}/32", "dev", "lo");
        // Proxy ARP answers only for destinations the node routes out of another interface: a real node has a
        // default route; this one gets it through a veth uplink that leads nowhere.
        Node.Ip("link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1");
        Node.Ip("link", "set", "uplink0", "up");
        Node.Ip("link", "set", "uplink1", "up");
        Node.Ip("route", "add", "default", "dev", "uplink0");
    }

    public TestNetwork Net { get; }

    public NetnsHost Node { get; }

    public string DatastoreUrl => $"sqlite://{_dir}/l3net.db";

    public IDatastore Store { get; }

    public ResourceStore Resources { get; }

    public string LogFile => Path.Combine(_dir, "cni.log");

    public void AddPool(string name, string cidr, int blockSize) =>
        Resources.ApplyAsync(new IPPool { Metadata = { Name = name }, Spec = { Cidr = cidr, BlockSize = blockSize } }).GetAwaiter().GetResult();

    /// <summary>The NativeAOT plugin this project's build published next to the tests (cni/l3net), the binary users
    /// get; <c>L3NET_CNI_BIN</c> points elsewhere (e.g. at <c>artifacts/bin/l3net</c>).</summary>
    public static string Binary => Environment.GetEnvironmentVariable("L3NET_CNI_BIN")
        ?? Path.Combine(AppContext.BaseDirectory, "cni", "l3net");

    public string Conf(string version = "1.0.0", string type = "l3net", string? pools = null, string? extra = null) =>
        $$"""
        {"cniVersion":"{{version}}","name":"{{Network}}","type":"{{type}}","datastore":"{{DatastoreUrl}}",
         "nodename":"{{NodeName}}","mtu":1450,"log_file":"{{LogFile}}",
         "ipam":{"type":"l3net-ipam","assign_ipv4":"true"{{(pools is null ? "" : $",\"ipv4_pools\":[\"{pools}\"]")}}}{{extra ?? ""}}}
        """;

    public NetnsHost AddPod(string name) => Net.AddHost(name);

    public Dictionary<string, string> Env(string command, string containerId, NetnsHost? pod, string? podName = null) => new()
    {
        ["CNI_COMMAND"] = command,
        ["CNI_CONTAINERID"] = containerId,
        ["CNI_NETNS"] = pod?.NetnsPath ?? "",
        ["CNI_IFNAME"] = "eth0",
        ["CNI_PATH"] = "/usr/lib/cni",
        ["CNI_ARGS"] = podName is null ? "" : $"K8S_POD_NAMESPACE=default;K8S_POD_NAME={podName}",
    };

    public async Task<CniRun> RunAsync(string stdin, IReadOnlyDictionary<string, string> env)
    {
        // Generous: the suite shares two cores with builds, and 50 plugin processes may start at once.
        var r = await ProcessRunner.RunAsync("ip", ["netns", "exec", Node.Namespace, Binary], stdin, env, TimeSpan.FromMinutes(5));
        return new CniRun(r.ExitCode, r.Stdout, r.Stderr);
    }

    public CniRun Run(string command, string containerId, NetnsHost? pod, string? conf = null, string? podName = null)
        => RunAsync(conf ?? Conf(), Env(command, containerId, pod, podName)).GetAwaiter().GetResult();

    public IReadOnlyList<AllocationInfo> Allocations() =>
        new IpamService(Store).ListBlocksAsync().GetAwaiter().GetResult().SelectMany(b => b.Allocations).ToList();

    public IReadOnlyList<WorkloadEndpoint> Endpoints() =>
        Resources.ListAsync<WorkloadEndpoint>().GetAwaiter().GetResult().Items;

    /// <summary>Host ends left in the node namespace.</summary>
    public IReadOnlyList<string> CaliLinks() =>
        Node.Ip("-o", "link", "show").Split('\n').Select(l => l.Split(':', 3)).Where(p => p.Length > 1)
            .Select(p => p[1].Trim().Split('@')[0]).Where(n => n.StartsWith("cali", StringComparison.Ordinal)).ToList();

    public string L3NetRoutes() => Node.Ip("route", "show", "proto", "77").Trim();

    public void Dispose()
    {
        Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Net.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static string PodAddress(CniRun add) => add.Json["ips"]![0]!["address"]!.GetValue<string>().Split('/')[0];
}
