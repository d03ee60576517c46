using System.Net;

namespace L3Net.Lab.Chaos;

/// <summary>One sample of a daemon's process: resident memory and open descriptors, read from /proc.</summary>
public sealed record ProcessSample(TimeSpan At, long RssBytes, int Fds)
{
    /// <summary>The process's sample now, or null when it is not running.</summary>
    public static ProcessSample? Read(int pid, TimeSpan at)
    {
        try
        {
            var rssKb = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return new ProcessSample(at, long.Parse(rssKb) * 1024, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>The soak's checks that need no lab: pure functions of what was observed, so each can be shown to fire.</summary>
public static class Invariants
{
    /// <summary>
    /// Host routes (/32) into the pod pool whose address no live pod holds, from <c>ip -4 route show</c> lines: a
    /// route left behind by a deleted pod (on its node, or learned over BGP by another). Block routes (/26, blackhole
    /// or via a peer) are the blocks' business, not a pod's.
    /// </summary>
    public static IReadOnlyList<string> RoutesToDeadPods(IEnumerable<string> routeLines, IReadOnlySet<string> liveAddresses)
    {
        var stale = new List<string>();
        foreach (var line in routeLines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
                continue;
            var destination = fields[0] is "blackhole" or "unreachable" or "prohibit" && fields.Length > 1 ? fields[1] : fields[0];
            var host = destination.EndsWith("/32", StringComparison.Ordinal) ? destination[..^3] : destination;
            if (!host.Contains('/') && IPAddress.TryParse(host, out _) && AddressPlan.IsPodRoute(host) && !liveAddresses.Contains(host))
                stale.Add(line.Trim());
        }
        return stale;
    }

    /// <summary>Least-squares slope of RSS over the samples, in bytes per second.</summary>
    public static double RssSlope(IReadOnlyList<ProcessSample> samples)
    {
        if (samples.Count < 2)
            return 0;
        var meanT = samples.Average(s => s.At.TotalSeconds);
        var meanR = samples.Average(s => (double)s.RssBytes);
        var num = samples.Sum(s => (s.At.TotalSeconds - meanT) * (s.RssBytes - meanR));
        var den = samples.Sum(s => Math.Pow(s.At.TotalSeconds - meanT, 2));
        return den == 0 ? 0 : num / den;
    }

    /// <summary>The RSS verdict over the second half of the run: null when flat enough, the finding otherwise.</summary>
    public static string? RssGrowing(IReadOnlyList<ProcessSample> samples, ChaosOptions options, out string figures)
    {
        figures = "no RSS samples";
        if (samples.Count < 4)
            return null;
        var half = samples[^1].At / 2;
        var last = samples.Where(s => s.At >= half).ToList();
        var slope = RssSlope(last);
        var span = (last[^1].At - last[0].At).TotalSeconds;
        var growth = slope * span;
        var mean = last.Average(s => (double)s.RssBytes);
        figures = $"RSS over the last half: mean {mean / (1 << 20):0.0} MiB, slope {slope * 60 / (1 << 20):+0.00;-0.00} MiB/min " +
                  $"({growth / (1 << 20):+0.0;-0.0} MiB over {span / 60:0.0} min, {last.Count} samples)";
        return growth > options.RssGrowthFloorBytes && growth > options.RssGrowthFraction * mean
            ? "RSS grows: " + figures
            : null;
    }

    /// <summary>The descriptor verdict: the floor (fewest open) over the last half against the floor over the first.
    /// Descriptors a finalizer closes come and go with the GC, so single samples swing by dozens; a leak raises the
    /// floor.</summary>
    public static string? FdsLeaking(IReadOnlyList<ProcessSample> samples, ChaosOptions options, out string figures)
    {
        figures = "no descriptor samples";
        if (samples.Count < 4)
            return null;
        var half = samples[^1].At / 2;
        var (early, late) = (samples.Where(s => s.At < half).Min(s => s.Fds), samples.Where(s => s.At >= half).Min(s => s.Fds));
        figures = $"open descriptors: floor {early} in the first half, {late} in the last half (first {samples[0].Fds}, last {samples[^1].Fds}, max {samples.Max(s => s.Fds)})";
        return late - early > options.FdGrowthLimit ? "descriptor leak: " + figures : null;
    }
}
