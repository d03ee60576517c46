using L3Net.Lab;
using L3Net.Lab.Chaos;

namespace L3Net.Bench.Chaos;

/// <summary>
/// <c>l3net-bench chaos [--minutes 30] [--seed S] [--nodes 3] [--bin-dir DIR | --node-binary P --cni-binary P]</c>
/// (root): a lab of its own (<c>l3chaos{pid}</c>: etcd datastore, BIRD ToR, eBGP to the ToR), the chaos soak on it,
/// the summary; exits 1 when any invariant was violated. The lab goes on every exit but SIGKILL, and the next run
/// removes what a SIGKILLed one left.
/// </summary>
public static class ChaosBench
{
    private const string Prefix = "l3chaos";

    public static async Task<int> RunAsync(string[] args)
    {
        var (nodeBinary, cniBinary) = LabBench.Binaries(args);
        var chaos = new ChaosOptions
        {
            Duration = TimeSpan.FromMinutes(LabBench.Option(args, "--minutes", 30.0)),
            Seed = LabBench.Option(args, "--seed", new ChaosOptions().Seed),
        };
        var lab = new LabOptions
        {
            Name = Prefix + Environment.ProcessId,
            Nodes = LabBench.Option(args, "--nodes", 3),
            PodsPerNode = 2,
            Topology = Topology.Tor,
            Tor = TorKind.Bird,
            Datastore = LabDatastoreKind.Etcd,
            NodeBinary = nodeBinary,
            CniBinary = cniBinary,
        };
        Console.WriteLine($"l3net-bench chaos --minutes {chaos.Duration.TotalMinutes} --seed {chaos.Seed} --nodes {lab.Nodes}   (lab {lab.Name}; load {LabBench.Load()})");

        using var interrupted = new CancellationTokenSource();
        using var signals = LabBench.CancelOnSignals(interrupted);
        await LabBench.RemoveStaleAsync(Prefix);
        try
        {
            var controller = await LabController.UpAsync(lab, Console.WriteLine, interrupted.Token);
            var status = await controller.WaitConvergedAsync(TimeSpan.FromSeconds(60), interrupted.Token);
            if (!status.Converged)
                throw new LabException("BGP did not converge within 60 s of the lab coming up");
            var report = await new ChaosSoak(controller, chaos, Console.WriteLine).RunAsync(interrupted.Token);
            Console.WriteLine();
            Console.Write(report);
            Console.WriteLine($"load at the end: {LabBench.Load()}");
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
}
