using System.Diagnostics;
using System.Text;
using L3Net.Datastore;

namespace L3Net.Bench;

/// <summary>Whole-backend figures for docs/benchmarks.md: sequential CAS writes per second on one key, and the
/// latency from a committed write to its watch event. `dotnet run -c Release --project bench -- datastore CONFIG`.</summary>
public static class DatastoreBench
{
    public static async Task<int> RunAsync(string config, int writes = 2000, int probes = 200)
    {
        await using var store = DatastoreFactory.Open(config);
        var key = $"/bench/{Guid.NewGuid():N}";
        var revision = await store.CreateAsync(key, Encoding.UTF8.GetBytes("0"));

        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= writes; i++)
            revision = await store.UpdateAsync(key, Encoding.UTF8.GetBytes(i.ToString()), revision);
        Console.WriteLine($"{config}: {writes / clock.Elapsed.TotalSeconds:0} CAS writes/s ({writes} sequential updates)");

        using var cts = new CancellationTokenSource();
        var seen = new SemaphoreSlim(0);
        // The start revision is fixed here: the lambda runs later, when the loop below may already have moved `revision`
        // past the first probe, whose event the watch would then never see.
        var firstProbe = revision + 1;
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchAsync(key, firstProbe, cts.Token))
                seen.Release();
        });
        var latencies = new List<double>();
        for (var i = 0; i < probes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            revision = await store.UpdateAsync(key, Encoding.UTF8.GetBytes($"probe {i}"), revision);
            await EventOrFailureAsync(seen, watch, $"probe {i} (revision {revision})");
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        await cts.CancelAsync();
        await Task.WhenAny(watch);
        latencies.Sort();
        Console.WriteLine($"{config}: write-to-watch-event latency p50 {latencies[probes / 2]:0.0} ms, p99 {latencies[probes * 99 / 100]:0.0} ms ({probes} probes)");
        return 0;
    }

    /// <summary>Waits for the probe's watch event, bounded: a watch that ended (its exception, or a silent end) or an
    /// event that never came is reported as such instead of hanging the run.</summary>
    private static async Task EventOrFailureAsync(SemaphoreSlim seen, Task watch, string probe)
    {
        var arrived = seen.WaitAsync(TimeSpan.FromSeconds(10));
        if (await Task.WhenAny(arrived, watch) == watch && !arrived.IsCompleted)
        {
            await watch; // rethrows why the watch failed
            throw new InvalidOperationException($"the watch ended before the event of {probe}");
        }
        if (!await arrived)
            throw new TimeoutException($"no watch event for {probe} within 10 s");
    }
}
