using L3Net.Lab;
using L3Net.Tests.E2e.Cni;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Lab;

/// <summary>Lab tests build whole fabrics with daemons: they run one at a time, apart from the parallel tests, so
/// that two cores are not shared by several labs converging at once.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection
{
    public const string Name = "lab";
}

/// <summary>
/// A lab for one test (or one test class): named uniquely for this process (<c>l3lab{pid}x{n}</c>, so it never meets
/// the user's lab and a killed run's leftovers are recognised and removed), running the build output of
/// <c>l3net-node</c> and the NativeAOT <c>l3net</c> this project's build publishes. Disposing removes every
/// namespace, process and file it made.
/// </summary>
public sealed class TestLab : IAsyncDisposable
{
    private static int _sequence;
    private static int _staleCleaned;

    private TestLab(LabController lab) => Lab = lab;

    public LabController Lab { get; }
    public LabState State => Lab.State;

    public static LabOptions Options(Topology topology, TorKind tor, LabDatastoreKind datastore, int nodes = 3, int podsPerNode = 2)
    {
        Requires.Netns();
        Requires.Command(tor == TorKind.Bird ? "bird" : "bgpd");
        if (datastore == LabDatastoreKind.Etcd)
            Requires.Command("etcd");
        if (Interlocked.Exchange(ref _staleCleaned, 1) == 0)
            LabCleanup.RemoveStaleTestLabsAsync().GetAwaiter().GetResult();
        return new LabOptions
        {
            Name = LabCleanup.TestLabName(Interlocked.Increment(ref _sequence)),
            Nodes = nodes,
            PodsPerNode = podsPerNode,
            Topology = topology,
            Tor = tor,
            Datastore = datastore,
            NodeBinary = BuildOutput("Node", NodeDaemon.Binary),
            CniBinary = CniHarness.Binary,
        };
    }

    /// <summary><c>src/{project}/bin/{configuration}/{tfm}/{binary}</c>, the configuration this test assembly was
    /// built in (the e2e project references the program, so building it builds it).</summary>
    private static string BuildOutput(string project, string binary)
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var root = tfm;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "L3Net.sln")))
            root = root.Parent;
        Assert.NotNull(root);
        return Path.Combine(root.FullName, "src", project, "bin", tfm.Parent!.Name, tfm.Name, binary);
    }

    /// <summary>Builds the lab and waits until every BGP session on both sides is up; on failure the message carries
    /// the daemons' logs and the lab is removed.</summary>
    public static async Task<TestLab> UpAsync(LabOptions options)
    {
        var ct = TestContext.Current.CancellationToken;
        LabController? lab = null;
        try
        {
            lab = await LabController.UpAsync(options, line => TestContext.Current.TestOutputHelper?.WriteLine(line), ct);
            var status = await lab.WaitConvergedAsync(TimeSpan.FromSeconds(60), ct);
            if (!status.Converged)
                throw new LabException("BGP did not converge within 60 s");
            return new TestLab(lab);
        }
        catch (Exception e)
        {
            // Whatever broke (a lab step, the datastore, a daemon), the lab must not outlive the test.
            var diagnostics = lab is null ? "" : await DiagnosticsAsync(lab);
            await LabCleanup.DownAsync(options.Name);
            Assert.Fail($"lab {options.Topology}/{options.Tor}/{options.Datastore} did not come up: {e.Message}\n{diagnostics}");
            throw;
        }
    }

    /// <summary>Both ends of every session and each daemon's last log lines: what a failed lab test needs to say.</summary>
    public static async Task<string> DiagnosticsAsync(LabController lab)
    {
        var status = await lab.StatusAsync(CancellationToken.None);
        var lines = new List<string>();
        foreach (var n in status.Nodes)
        {
            lines.Add($"-- {n.Node.Name}: " + (n.Report is { } r
                ? string.Join("; ", r.Peers.Select(p => $"{p.PeerAddress} {p.State} {p.Info}"))
                : n.Error));
            lines.Add(lab.Daemon(n.Node.Name).LogTail(25));
        }
        lines.Add("-- ToR: " + (status.TorError ?? string.Join("; ", status.TorSessions.Select(s => $"{s.Name} {s.State} {s.Info}"))));
        lines.Add("-- ToR kernel routes: " + string.Join("; ", status.TorKernelRoutes));
        return string.Join('\n', lines);
    }

    public Task<string> DiagnosticsAsync() => DiagnosticsAsync(Lab);

    public async ValueTask DisposeAsync() => await Lab.DownAsync();
}
