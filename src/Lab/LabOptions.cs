namespace L3Net.Lab;

/// <summary>How the nodes exchange pod routes (docs/architecture.md, "BGP topologies").</summary>
public enum Topology
{
    /// <summary>eBGP from every node (its own AS) to the top-of-rack router; node-to-node mesh off.</summary>
    Tor,

    /// <summary>iBGP full mesh between the nodes (AS 64512); the top-of-rack router is a global eBGP peer.</summary>
    Mesh,

    /// <summary>node1 is a route reflector, the other nodes peer only with it; the ToR is a global eBGP peer.</summary>
    Rr,

    /// <summary>Two racks, each with two ToRs (one AS per rack) under a spine; every node (its own AS) is wired to and
    /// peers with both ToRs of its rack, and installs what it learns as one multipath route over both.</summary>
    DualTor,
}

/// <summary>The routing daemon playing the top-of-rack router.</summary>
public enum TorKind
{
    Bird,
    Frr,
}

/// <summary>Where the lab keeps its resources.</summary>
public enum LabDatastoreKind
{
    /// <summary>One SQLite file in the lab directory, opened by every node daemon and CNI call.</summary>
    Sqlite,

    /// <summary>An etcd server the lab runs inside the ToR namespace, on the fabric address.</summary>
    Etcd,
}

/// <summary>Everything <c>l3netctl lab up</c> takes; every option has a working default (3 nodes, BIRD ToR, SQLite).</summary>
public sealed record LabOptions
{
    /// <summary>The lab's name, the prefix of every namespace it makes (<c>{Name}-tor</c>, <c>{Name}-node1</c>, ...)
    /// and the name of its directory under <see cref="StateRoot"/>. Test runs use their own names, so a test lab and
    /// the user's lab never collide.</summary>
    public string Name { get; init; } = DefaultName;

    public const string DefaultName = "l3lab";

    public int Nodes { get; init; } = 3;
    public int PodsPerNode { get; init; } = 2;
    public Topology Topology { get; init; } = Topology.Tor;
    public TorKind Tor { get; init; } = TorKind.Bird;
    public LabDatastoreKind Datastore { get; init; } = LabDatastoreKind.Sqlite;

    /// <summary>BFD (300 ms x 3) on every node-to-ToR session, on both ends: the BGPPeers ask for it and the ToR's BIRD
    /// runs its <c>bfd</c> protocol.</summary>
    public bool Bfd { get; init; }

    /// <summary>Where <c>l3net-node</c> and the <c>l3net</c> CNI plugin are (<c>artifacts/bin</c> once published,
    /// next to <c>l3netctl</c>).</summary>
    public string BinDir { get; init; } = AppContext.BaseDirectory;

    /// <summary>The node daemon started in every node namespace; the tests point it at the build output.</summary>
    public string NodeBinary { get => _nodeBinary ?? Path.Combine(BinDir, NodeDaemon.Binary); init => _nodeBinary = value; }

    /// <summary>The CNI plugin, exec'd for every pod ADD and DEL.</summary>
    public string CniBinary { get => _cniBinary ?? Path.Combine(BinDir, CniPlugin.Binary); init => _cniBinary = value; }

    private readonly string? _nodeBinary;
    private readonly string? _cniBinary;

    /// <summary>Parent of every lab's directory (state file, configs, sockets, logs, SQLite file).</summary>
    public string StateRoot { get; init; } = DefaultStateRoot;

    public const string DefaultStateRoot = "/var/run/l3net-lab";

    public string StateDir => Path.Combine(StateRoot, Name);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that cannot work.</summary>
    public void Validate()
    {
        if (Nodes is < 1 or > AddressPlan.MaxNodes)
            throw new ArgumentException($"--nodes: {Nodes} is outside 1..{AddressPlan.MaxNodes}");
        if (PodsPerNode is < 0 or > AddressPlan.MaxPodsPerNode)
            throw new ArgumentException($"--pods-per-node: {PodsPerNode} is outside 0..{AddressPlan.MaxPodsPerNode}");
        if (Topology == Topology.Rr && Nodes < 2)
            throw new ArgumentException("--topology rr: needs at least 2 nodes (node1 reflects for the others)");
        if (Topology == Topology.DualTor && Nodes < AddressPlan.Racks)
            throw new ArgumentException($"--topology dual-tor: needs at least {AddressPlan.Racks} nodes (one per rack)");
        if (Topology == Topology.DualTor && Datastore == LabDatastoreKind.Etcd)
            throw new ArgumentException("--topology dual-tor: runs with the sqlite datastore only (etcd lives on the single ToR's fabric address)");
        if (Bfd && Tor == TorKind.Frr)
            throw new ArgumentException("--bfd: the lab's ToRs run BFD with --tor bird only (FRR's bfdd is not wired into the lab)");
        if (Name.Length is 0 or > 20 || !Name.All(c => char.IsAsciiLetterOrDigit(c)))
            throw new ArgumentException($"lab name '{Name}': 1..20 letters or digits");
    }

    /// <summary>How <c>--topology</c> spells each topology.</summary>
    public static string Spelling(Topology topology) => topology == Topology.DualTor ? "dual-tor" : topology.ToString().ToLowerInvariant();

    /// <summary>Parses the <c>--topology</c> flag: <c>tor</c>, <c>mesh</c>, <c>rr</c> or <c>dual-tor</c>.</summary>
    public static Topology ParseTopology(string value) =>
        Enum.GetValues<Topology>().FirstOrDefault(t => Spelling(t).Equals(value, StringComparison.OrdinalIgnoreCase), (Topology)(-1)) is var t && Enum.IsDefined(t)
            ? t
            : throw new ArgumentException($"--topology: '{value}' is none of {string.Join(", ", Enum.GetValues<Topology>().Select(Spelling))}");

    /// <summary>Parses the <c>--datastore</c> flag: <c>sqlite</c>/<c>sqlite://…</c> or <c>etcd</c>/<c>etcd://…</c>. The lab
    /// always runs its own store (node namespaces cannot reach anything outside the lab), so only the scheme counts.</summary>
    public static LabDatastoreKind ParseDatastore(string value) =>
        value.StartsWith("sqlite", StringComparison.OrdinalIgnoreCase) ? LabDatastoreKind.Sqlite
        : value.StartsWith("etcd", StringComparison.OrdinalIgnoreCase) ? LabDatastoreKind.Etcd
        : throw new ArgumentException($"--datastore: '{value}' is neither sqlite nor etcd");
}
