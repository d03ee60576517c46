namespace L3Net.Lab.Chaos;

/// <summary>How long and how hard the chaos soak shakes a lab. Every random choice (which node, which fault, how
/// long a gap) is drawn from <see cref="Seed"/>; the interleaving with real process timing is not, so a seed replays
/// the same schedule of decisions, not the same nanoseconds.</summary>
public sealed record ChaosOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);
    public int Seed { get; init; } = Environment.TickCount & 0x7fffffff;

    /// <summary>One CNI ADD or DEL each interval, on a node drawn at random.</summary>
    public TimeSpan ChurnInterval { get; init; } = TimeSpan.FromMilliseconds(700);

    /// <summary>Pods per node the churn keeps between (it adds below the floor and deletes at the ceiling).</summary>
    public int MinPodsPerNode { get; init; } = 1;
    public int MaxPodsPerNode { get; init; } = 4;

    /// <summary>Quiet time between one fault's repair and the next fault.</summary>
    public TimeSpan MinFaultGap { get; init; } = TimeSpan.FromSeconds(4);
    public TimeSpan MaxFaultGap { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a fault lasts before it is repaired (the daemon, BIRD or etcd is down meanwhile).</summary>
    public TimeSpan MinFaultHold { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxFaultHold { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Every live pod must reach every other within this long after a fault is repaired.</summary>
    public TimeSpan ReachWithin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the node daemons' RSS and open file descriptors are sampled.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The daemon that is never killed, so that its RSS and descriptors are one process's over the whole
    /// run; every other node's daemon is a SIGKILL target.</summary>
    public string WitnessNode { get; init; } = AddressPlan.NodeName(1);

    /// <summary>RSS growth over the last half (fitted slope times that half's length) above both of these is a
    /// leak: the absolute floor keeps a short run's JIT and GC warm-up from counting.</summary>
    public long RssGrowthFloorBytes { get; init; } = 16L << 20;
    public double RssGrowthFraction { get; init; } = 0.10;

    /// <summary>A floor of open descriptors over the last half higher than the first half's by this many is a leak.</summary>
    public int FdGrowthLimit { get; init; } = 16;

    public void Validate()
    {
        if (Duration <= TimeSpan.Zero)
            throw new ArgumentException($"--minutes: {Duration.TotalMinutes} must be positive");
        if (MinPodsPerNode < 1 || MaxPodsPerNode < MinPodsPerNode || MaxPodsPerNode > AddressPlan.MaxPodsPerNode)
            throw new ArgumentException($"pods per node: {MinPodsPerNode}..{MaxPodsPerNode} is not a range inside 1..{AddressPlan.MaxPodsPerNode}");
    }
}
