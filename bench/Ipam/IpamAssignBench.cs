using System.Diagnostics;
using System.Globalization;
using L3Net.Datastore;
using L3Net.Model.Resources;

namespace L3Net.Bench.Ipam;

/// <summary>
/// IPAM throughput and latency as the CNI plugin sees it: separate <c>l3net-ipam-worker</c> processes, each assigning
/// one IPv4 address per handle in a loop. Runs 1 process x 1000 assigns, then 4 processes x 250 on two nodes. Prints
/// assigns/s (total over the slowest worker's own elapsed time, so process start-up is excluded) and the median and
/// p99 of one assign. With no argument it uses a fresh SQLite file; pass <c>etcd://127.0.0.1:PORT</c> for etcd.
/// </summary>
public static class IpamAssignBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("l3net-ipam-bench-").FullName;
        try
        {
            var run = 0;
            foreach (var processes in new[] { 1, 4 })
            {
                var datastore = args.Length > 0 ? args[0] : $"sqlite://{Path.Combine(dir, $"run{run}.db")}";
                var cidr = $"10.{100 + run}.0.0/20"; // a fresh pool per run, so one etcd serves every run
                await using (var store = DatastoreFactory.Open(datastore))
                    await new ResourceStore(store).CreateAsync(new IPPool
                    {
                        Metadata = { Name = $"bench-{run}-{Environment.ProcessId}" },
                        Spec = { Cidr = cidr, BlockSize = 26 },
                    });
                var results = await Task.WhenAll(Enumerable.Range(0, processes).Select(p =>
                    WorkerAsync(datastore, node: $"bench{run}-n{p % 2}", prefix: $"bench{run}-{Environment.ProcessId}-p{p}", count: 1000 / processes)));
                var latencies = results.SelectMany(r => r.LatenciesUs).Order().ToArray();
                var rate = latencies.Length / (results.Max(r => r.ElapsedMs) / 1000.0);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(args.Length > 0 ? args[0].Split(':')[0] : "sqlite"),-7} {processes} process(es) x {1000 / processes}: {rate,7:F0} assigns/s, median {Percentile(latencies, 0.5) / 1000.0:F2} ms, p99 {Percentile(latencies, 0.99) / 1000.0:F2} ms"));
                run++;
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Percentile(long[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private sealed record WorkerResult(long ElapsedMs, long[] LatenciesUs);

    private static async Task<WorkerResult> WorkerAsync(string datastore, string node, string prefix, int count)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "l3net-ipam-worker.dll"), datastore, "assign", node, prefix, count.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start l3net-ipam-worker");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var done = (await stdout).Split('\n').LastOrDefault(l => l.StartsWith("done ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"worker failed ({process.ExitCode}): {await stderr}");
        var parts = done.Split(' ');
        return new WorkerResult(long.Parse(parts[2], CultureInfo.InvariantCulture),
            [.. parts[3].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture))]);
    }
}
