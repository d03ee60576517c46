using System.Diagnostics;

namespace L3Net.Lab;

/// <summary>
/// A running lab: builds it (<see cref="UpAsync"/>), finds it again from its state file (<see cref="Find"/>),
/// reports it, adds and removes pods, and tears it down. <c>l3netctl lab</c> and the e2e suite both drive labs
/// through this class only.
/// </summary>
public sealed class LabController
{
    private readonly object _podsLock = new();

    private LabController(LabState state)
    {
        State = state;
        Routers = [.. state.Plan.Routers.Select(site => TorRouter.For(state.Plan, site))];
        Etcd = new LabEtcd(state.Plan);
    }

    public LabState State { get; }
    public AddressPlan Plan => State.Plan;

    /// <summary>Every router of the fabric, the core first (<see cref="AddressPlan.Routers"/>).</summary>
    public IReadOnlyList<TorRouter> Routers { get; }

    /// <summary>The core router: the one ToR, or the spine in dual-tor.</summary>
    public TorRouter Tor => Routers[0];

    public TorRouter Router(string name) => Routers.Single(r => r.Site.Name == name);
    public LabEtcd Etcd { get; }

    public NodeDaemon Daemon(string node) => new(State, State.Node(node));

    /// <summary>A dual-tor node's link to one ToR of its rack.</summary>
    public NodeUplink Uplink(string node, TorSide side) => Plan.Uplink(State.Nodes.FindIndex(n => n.Name == node) + 1, side);

    /// <summary>The ToR by which the kernel of <paramref name="from"/>'s node sends that pod's traffic to
    /// <paramref name="to"/> (<c>ip route get</c> with the pod's address and host-side interface): the multipath hash is
    /// over the addresses, so every packet of the flow takes this ToR, and a fault on the other one misses it.</summary>
    public async Task<TorSide> FlowSideAsync(LabPod from, LabPod to, CancellationToken ct)
    {
        var ns = State.Node(from.Node).Namespace;
        var podRoute = (await Exec.InNetnsAsync(ns, "ip", ["-4", "-o", "route", "show", $"{from.Address}/32"], ct: ct)).EnsureOk("ip route show").Stdout;
        var device = Field(podRoute, "dev") ?? throw new LabException($"no host-side interface for {from.Name}: '{podRoute.Trim()}'");
        var get = (await Exec.InNetnsAsync(ns, "ip", ["-4", "-o", "route", "get", to.Address, "from", from.Address, "iif", device], ct: ct))
            .EnsureOk("ip route get").Stdout;
        var via = Field(get, "via");
        return Enum.GetValues<TorSide>().Where(side => Uplink(from.Node, side).TorAddress == via).Cast<TorSide?>().FirstOrDefault()
            ?? throw new LabException($"the flow {from.Address} -> {to.Address} leaves {from.Node} by neither ToR: '{get.Trim()}'");
    }

    /// <summary>The word after <paramref name="key"/> in a line of <c>ip route</c> output.</summary>
    private static string? Field(string line, string key)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.IndexOf(words, key);
        return i >= 0 && i + 1 < words.Length ? words[i + 1] : null;
    }

    /// <summary>The lab saved under <paramref name="stateRoot"/>/<paramref name="name"/>, or null when none runs.</summary>
    public static LabController? Find(string name = LabOptions.DefaultName, string stateRoot = LabOptions.DefaultStateRoot)
        => LabState.Load(Path.Combine(stateRoot, name)) is { } state ? new LabController(state) : null;

    /// <summary>
    /// Builds the whole lab: clears a killed run's leftovers of the same name, wires the fabric, starts the datastore,
    /// applies the resources, starts the ToR and one <c>l3net-node</c> per node, then creates the pods through the CNI
    /// plugin. Returns once the pods exist; BGP convergence is <see cref="WaitConvergedAsync"/>'s business.
    /// </summary>
    public static async Task<LabController> UpAsync(LabOptions options, Action<string> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        void Step(string what) => progress($"[{clock.Elapsed.TotalSeconds,5:0.0}s] {what}");
        foreach (var binary in new[] { options.NodeBinary, options.CniBinary }.Where(b => !File.Exists(b)))
            throw new LabException($"{binary} is missing: publish the binaries first (./l3net.sh build)");
        var lab = await BuildFabricAsync(options, Step, ct);
        await lab.StartNodesAsync(Step, ct);
        if (options.PodsPerNode > 0)
        {
            Step($"{options.PodsPerNode * options.Nodes} pods through the {CniPlugin.Binary} CNI plugin");
            await lab.AddPodsAsync(lab.State.Nodes.SelectMany(n => Enumerable.Range(1, options.PodsPerNode).Select(j => (n.Name, j))), ct);
        }
        Step("lab is up");
        return lab;
    }

    /// <summary>Everything but L3Net's own processes: the fabric, the datastore with the resources applied, and the
    /// ToR router (whose sessions stay down until the nodes start).</summary>
    public static async Task<LabController> BuildFabricAsync(LabOptions options, Action<string> step, CancellationToken ct)
    {
        options.Validate();
        CheckTools(options);
        await LabCleanup.DownAsync(options.Name, options.StateRoot);
        var plan = new AddressPlan(options);
        Directory.CreateDirectory(options.StateDir);
        var state = new LabState
        {
            Name = options.Name,
            StateDir = options.StateDir,
            NodeBinary = options.NodeBinary,
            CniBinary = options.CniBinary,
            Topology = options.Topology,
            Tor = options.Tor,
            Datastore = options.Datastore,
            Bfd = options.Bfd,
            CreatedAt = DateTimeOffset.UtcNow,
            Nodes = plan.NodeIndexes.Select(i => new LabNode
            {
                Name = AddressPlan.NodeName(i),
                Namespace = plan.Namespace(AddressPlan.NodeName(i)),
                Address = plan.NodeAddressOf(i),
                AsNumber = plan.NodeAs(i),
                Dir = Path.Combine(options.StateDir, AddressPlan.NodeName(i)),
            }).ToList(),
        };
        foreach (var node in state.Nodes)
            Directory.CreateDirectory(node.Dir);
        foreach (var router in plan.Routers)
            Directory.CreateDirectory(Path.Combine(options.StateDir, router.Name));
        state.Save();
        var lab = new LabController(state);

        step(options.Topology == Topology.DualTor
            ? $"fabric: spine {plan.CoreRouter.Namespace}, {AddressPlan.Racks} racks of two ToRs ({string.Join(", ", plan.Routers.Skip(1).Select(r => $"{r.Name} {r.RouterId}"))}), {options.Nodes} nodes wired to both ToRs of their rack"
            : $"fabric: {plan.TorNamespace} ({AddressPlan.TorAddress}) + {options.Nodes} node namespaces on {AddressPlan.FabricPrefix}.0/{AddressPlan.FabricPrefixLength}");
        Fabric.Build(plan);
        if (options.Datastore == LabDatastoreKind.Etcd)
        {
            step($"etcd in {plan.TorNamespace} on {plan.EtcdEndpoint}");
            await lab.Etcd.StartAsync(ct);
        }
        step($"resources: IPPool {AddressPlan.PoolCidr}, BGP for topology '{LabOptions.Spelling(options.Topology)}'{(options.Bfd ? " with BFD" : "")} ({plan.NodeDatastore})");
        await using (var store = LabDatastore.Open(plan))
        {
            foreach (var resource in LabResources.For(plan))
                await store.Resources.ApplyAsync(resource, ct);
        }
        step(string.Join(", ", lab.Routers.Select(r => $"{r.Description} {r.Site.Name} (AS {r.Site.As}) in {r.Site.Namespace}")));
        await Task.WhenAll(lab.Routers.Select(r => r.StartAsync(ct)));
        return lab;
    }

    /// <summary>Writes each node's CNI configuration list and starts its <c>l3net-node</c>; returns once all answer
    /// on their status sockets.</summary>
    public async Task StartNodesAsync(Action<string> step, CancellationToken ct)
    {
        var state = State;
        step($"{NodeDaemon.Binary} on {string.Join(", ", state.Nodes.Select(n => $"{n.Name} ({n.Address}, AS {n.AsNumber})"))}");
        foreach (var node in state.Nodes)
        {
            CniPlugin.WriteConflist(Plan, node);
            Daemon(node.Name).Start();
        }
        await Task.WhenAll(state.Nodes.Select(n => Daemon(n.Name).WaitReadyAsync(TimeSpan.FromSeconds(30), ct)));
    }

    private static void CheckTools(LabOptions options)
    {
        var tools = new List<string> { options.Tor == TorKind.Bird ? "/usr/sbin/bird" : "/usr/lib/frr/bgpd" };
        if (options.Datastore == LabDatastoreKind.Etcd)
            tools.Add("/usr/bin/etcd");
        foreach (var tool in tools.Where(t => !File.Exists(t)))
            throw new LabException($"{tool} is missing: install the lab's packages first (./l3net.sh deps)");
    }

    /// <summary>Creates pods concurrently (the CNI plugin runs as separate processes, as under a busy kubelet) and
    /// records them in the state file.</summary>
    public async Task<IReadOnlyList<LabPod>> AddPodsAsync(IEnumerable<(string Node, int Index)> pods, CancellationToken ct, int parallelism = 4)
    {
        var made = new Pods(State);
        var created = await Pods.ForEachAsync(pods, parallelism, async (p, token) =>
        {
            var pod = await made.CreateAsync(p.Node, p.Index, token);
            lock (_podsLock)
            {
                State.Pods.Add(pod);
                State.Save();
            }
            return pod;
        }, ct);
        return created;
    }

    /// <summary>A pod with the next free index on <paramref name="node"/>.</summary>
    public async Task<LabPod> AddPodAsync(string node, CancellationToken ct)
    {
        int index;
        lock (_podsLock)
            index = State.Pods.Where(p => p.Node == node).Select(p => int.Parse(p.Name[(p.Name.LastIndexOf('p') + 1)..])).DefaultIfEmpty(0).Max() + 1;
        return (await AddPodsAsync([(node, index)], ct)).Single();
    }

    public async Task DeletePodAsync(LabPod pod, CancellationToken ct)
    {
        await new Pods(State).DeleteAsync(pod, ct);
        lock (_podsLock)
        {
            State.Pods.RemoveAll(p => p.Name == pod.Name);
            State.Save();
        }
    }

    /// <summary>How many BGP sessions the topology gives a node (the ToR counts as one).</summary>
    public int ExpectedPeers(LabNode node) => State.Topology switch
    {
        Topology.Tor => 1,
        Topology.Mesh => State.Nodes.Count,
        Topology.DualTor => 2,
        _ => node == State.Nodes[0] ? State.Nodes.Count : 2,
    };

    public async Task<LabStatus> StatusAsync(CancellationToken ct)
    {
        var nodes = await Task.WhenAll(State.Nodes.Select(async n =>
        {
            var daemon = Daemon(n.Name);
            try
            {
                return new NodeView(n, await daemon.StatusAsync(ct), null, ExpectedPeers(n));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return new NodeView(n, null, daemon.Running ? e.Message : $"{NodeDaemon.Binary} is not running", ExpectedPeers(n));
            }
        }));
        IReadOnlyList<TorSession> sessions = [];
        string? torError = null;
        var bgpTable = "";
        try
        {
            sessions = [.. (await Task.WhenAll(Routers.Select(r => r.SessionsAsync(ct)))).SelectMany(s => s)];
            bgpTable = await Tor.RoutesAsync(ct);
        }
        catch (LabException e)
        {
            torError = e.Message;
        }
        return new LabStatus(State, nodes, sessions, torError, bgpTable, await TorKernelRoutesAsync(ct));
    }

    /// <summary>The core router namespace's kernel IPv4 table, one route a line, a multipath route with its next hops
    /// on its line (<c>ip -o</c> separates them with a backslash and a tab).</summary>
    public async Task<IReadOnlyList<string>> TorKernelRoutesAsync(CancellationToken ct)
        => (await Exec.RunAsync("ip", ["-o", "-n", Plan.CoreRouter.Namespace, "-4", "route", "show"], ct: ct)).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => string.Join(' ', line.Split([' ', '\t', '\\'], StringSplitOptions.RemoveEmptyEntries)))
            .ToList();

    /// <summary>Polls <see cref="StatusAsync"/> until every session on both sides is Established.</summary>
    public async Task<LabStatus> WaitConvergedAsync(TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        var status = await StatusAsync(ct);
        while (!status.Converged && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, ct);
            status = await StatusAsync(ct);
        }
        return status;
    }

    /// <summary>Every pod pair; waits up to <paramref name="within"/> for the failing ones.</summary>
    public Task<IReadOnlyList<PingResult>> PingAsync(TimeSpan within, CancellationToken ct)
        => PingMatrix.UntilAllOkAsync(PingMatrix.AllPairs(State.Pods), within, ct);

    public Task DownAsync() => LabCleanup.DownAsync(State.Name, Path.GetDirectoryName(State.StateDir)!);
}
