using System.Diagnostics;

namespace L3Net.Cni;

/// <summary>
/// Where one invocation spends its time, for start-up profiling: with L3NET_CNI_TRACE=1 each <see cref="Mark"/> records
/// the time since Main began and the bytes allocated so far (under NativeAOT nothing is compiled at run time: what
/// costs is memory first touched, i.e. page faults, and allocation shows where); <see cref="Report"/> writes them to
/// stderr at exit, so the cost of writing is outside the spans. Off, a mark costs one branch.
/// </summary>
public static class StartupTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("L3NET_CNI_TRACE") == "1";
    private static readonly long Start = Stopwatch.GetTimestamp();
    private static readonly List<(string What, long At, long Allocated)> Marks = [];

    public static void Mark(string what)
    {
        if (Enabled)
            Marks.Add((what, Stopwatch.GetTimestamp(), GC.GetTotalAllocatedBytes()));
    }

    public static void Report()
    {
        if (!Enabled)
            return;
        var (last, lastAllocated) = (Start, 0L);
        foreach (var (what, at, allocated) in Marks)
        {
            Console.Error.WriteLine($"trace {Stopwatch.GetElapsedTime(Start, at).TotalMilliseconds,7:0.0} ms " +
                                    $"(+{Stopwatch.GetElapsedTime(last, at).TotalMilliseconds,6:0.0}) " +
                                    $"alloc +{(allocated - lastAllocated) / 1024,5} KB {what}");
            (last, lastAllocated) = (at, allocated);
        }
    }
}
