using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using L3Net.Lab;
using L3Net.Lab.Chaos;

namespace L3Net.Bench.Chaos;

/// <summary>
/// <c>l3net-bench chaos [--minutes 30] [--seed S] [--nodes 3] [--bin-dir DIR | --node-binary P --cni-binary P]</c>
/// (root): a lab of its own (<c>l3chaos{pid}</c>: etcd datastore, BIRD ToR, eBGP to the ToR), the chaos soak on it,
/// the summary; exits 1 when any invariant was violated. The lab goes on every exit but SIGKILL, and the next run
/// removes what a SIGKILLed one left.
/// </summary>
public static partial class ChaosBench
{
    private const string Prefix = "l3chaos";

    public static async Task<int> RunAsync(string[] args)
    {
        var binDir = Option(args, "--bin-dir", Path.Combine(RepoRoot(), "artifacts", "bin"));
        var chaos = new ChaosOptions
        {
            Duration = TimeSpan.FromMinutes(Option(args, "--minutes", 30.0)),
            Seed = Option(args, "--seed", new ChaosOptions().Seed),
        };
        var lab = new LabOptions
        {
            Name = Prefix + Environment.ProcessId,
            Nodes = Option(args, "--nodes", 3),
            PodsPerNode = 2,
            Topology = Topology.Tor,
            Tor = TorKind.Bird,
            Datastore = LabDatastoreKind.Etcd,
            NodeBinary = Option(args, "--node-binary", Path.Combine(binDir, NodeDaemon.Binary)),
            CniBinary = Option(args, "--cni-binary", Path.Combine(binDir, CniPlugin.Binary)),
        };
        Console.WriteLine($"l3net-bench chaos --minutes {chaos.Duration.TotalMinutes} --seed {chaos.Seed} --nodes {lab.Nodes}   (lab {lab.Name}; load {Load()})");

        using var interrupted = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            Console.WriteLine($"{context.Signal}: stopping, removing the lab");
            interrupted.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Cancel);

        await RemoveStaleAsync();
        try
        {
            var controller = await LabController.UpAsync(lab, Console.WriteLine, interrupted.Token);
            var status = await controller.WaitConvergedAsync(TimeSpan.FromSeconds(60), interrupted.Token);
            if (!status.Converged)
                throw new LabException("BGP did not converge within 60 s of the lab coming up");
            var report = await new ChaosSoak(controller, chaos, Console.WriteLine).RunAsync(interrupted.Token);
            Console.WriteLine();
            Console.Write(report);
            Console.WriteLine($"load at the end: {Load()}");
            return report.Violations.Count == 0 ? 0 : 1;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            return 130;
        }
        finally
        {
            await LabCleanup.DownAsync(lab.Name);
        }
    }

    /// <summary>Labs of earlier runs whose process is gone (a SIGKILLed soak cannot clean up after itself).</summary>
    private static async Task RemoveStaleAsync()
    {
        var names = Netns.List(Prefix).Select(ns => ns.Split('-')[0])
            .Concat(Directory.Exists(LabOptions.DefaultStateRoot) ? Directory.GetDirectories(LabOptions.DefaultStateRoot).Select(Path.GetFileName).OfType<string>() : [])
            .Distinct();
        foreach (var name in names)
        {
            if (StaleName().Match(name) is { Success: true } m && !Directory.Exists($"/proc/{m.Groups[1].Value}"))
            {
                Console.WriteLine($"removing the stale lab {name}");
                await LabCleanup.DownAsync(name);
            }
        }
    }

    [GeneratedRegex(@"^l3chaos(\d+)$")]
    private static partial Regex StaleName();

    private static string Load() => File.ReadAllText("/proc/loadavg").Trim();

    private static T Option<T>(string[] args, string name, T fallback)
    {
        var i = Array.IndexOf(args, name);
        return i < 0 || i + 1 >= args.Length ? fallback : (T)Convert.ChangeType(args[i + 1], typeof(T), CultureInfo.InvariantCulture);
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "L3Net.sln")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        return dir;
    }
}
