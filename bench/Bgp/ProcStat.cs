namespace L3Net.Bench.Bgp;

/// <summary>A process's CPU time and resident memory from /proc, the same way for every daemon measured (getrusage
/// only covers children that have exited, and these are still running).</summary>
internal static class ProcStat
{
    /// <summary>USER_HZ: Linux reports utime and stime in 1/100 s on every architecture .NET runs on.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>utime + stime in clock ticks.</summary>
    public static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    /// <summary>VmRSS in bytes.</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException($"no VmRSS for pid {pid}");
    }
}
