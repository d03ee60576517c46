using System.Collections.Concurrent;
using System.Text;

namespace L3Net.Lab.Chaos;

public enum FaultKind
{
    /// <summary>A node daemon killed with SIGKILL and started again.</summary>
    NodeKill,

    /// <summary>The ToR's BIRD killed with SIGKILL and started again.</summary>
    TorRestart,

    /// <summary>etcd killed and started again with its data.</summary>
    EtcdRestart,
}

/// <summary>What a soak did and found; thread-safe, since churn, faults and sampling run side by side.</summary>
public sealed class ChaosReport(int seed)
{
    private readonly ConcurrentQueue<double> _addMs = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<FaultKind, int> _faults = new();
    private int _adds, _dels, _refused, _addFailures, _delFailures;

    public int Seed { get; } = seed;
    public TimeSpan Elapsed { get; set; }
    public int Adds => _adds;
    public int Dels => _dels;
    public int Refused => _refused;
    public int AddFailures => _addFailures;
    public int DelFailures => _delFailures;
    public IReadOnlyList<string> Violations => _violations.ToList();
    public IReadOnlyList<double> AddLatenciesMs => _addMs.ToList();
    public int Faults(FaultKind kind) => _faults.GetValueOrDefault(kind);
    public int FaultsTotal => _faults.Values.Sum();

    /// <summary>Facts the summary prints beside the figures (RSS trend, descriptor counts, addresses in the store).</summary>
    public List<string> Notes { get; } = [];

    public void Added(TimeSpan latency)
    {
        Interlocked.Increment(ref _adds);
        _addMs.Enqueue(latency.TotalMilliseconds);
    }

    public void Deleted() => Interlocked.Increment(ref _dels);

    /// <summary>An ADD told "try again later" (CNI code 11) while the datastore was down: what it must say then.</summary>
    public void AddRefused() => Interlocked.Increment(ref _refused);

    public void AddFailed() => Interlocked.Increment(ref _addFailures);
    public void DelFailed() => Interlocked.Increment(ref _delFailures);
    public void Fault(FaultKind kind) => _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);
    public void Violation(string what) => _violations.Enqueue(what);

    public static double Percentile(IReadOnlyList<double> values, int p)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public override string ToString()
    {
        var adds = AddLatenciesMs;
        var s = new StringBuilder();
        s.AppendLine($"chaos soak, seed {Seed}, {Elapsed.TotalMinutes:0.0} min");
        s.AppendLine($"operations: {Adds + Dels} ({Adds} ADD, {Dels} DEL); {Refused} ADD refused with code 11 while etcd was down; " +
                     $"{AddFailures} ADD and {DelFailures} DEL failed otherwise (DELs are retried until they succeed)");
        s.AppendLine($"faults injected: {FaultsTotal} ({Faults(FaultKind.NodeKill)} node daemon SIGKILL+restart, " +
                     $"{Faults(FaultKind.TorRestart)} BIRD SIGKILL+restart, {Faults(FaultKind.EtcdRestart)} etcd stop+start)");
        s.AppendLine($"ADD latency under chaos (netns + CNI ADD, {adds.Count} ADDs): p50 {Percentile(adds, 50):0.0} ms, p99 {Percentile(adds, 99):0.0} ms, max {(adds.Count == 0 ? double.NaN : adds.Max()):0.0} ms");
        foreach (var note in Notes)
            s.AppendLine(note);
        var violations = Violations;
        s.AppendLine($"invariant violations: {violations.Count}");
        foreach (var v in violations)
            s.AppendLine("  VIOLATION " + v);
        return s.ToString();
    }
}
