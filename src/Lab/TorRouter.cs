namespace L3Net.Lab;

/// <summary>One BGP session as the ToR router sees it.</summary>
public sealed record TorSession(string Name, string Neighbor, string State, string Since, string Info)
{
    public bool Established => State.Equals("Established", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The top-of-rack router: a real BIRD or FRR in the ToR namespace, peering with every node. It accepts
/// only pod routes (the pool and anything longer) and re-advertises them with itself as next hop.</summary>
public abstract class TorRouter(AddressPlan plan, string dir)
{
    protected AddressPlan Plan { get; } = plan;

    /// <summary>The ToR's own directory: configuration, control sockets, pid files, logs.</summary>
    protected string Dir { get; } = dir;

    public abstract string Description { get; }

    /// <summary>Writes the configuration and starts the daemon(s); returns once they answer on their control socket.</summary>
    public abstract Task StartAsync(CancellationToken ct);

    /// <summary>Kills the BGP daemon like a crash (SIGKILL) and starts it again; returns once it answers.</summary>
    public virtual Task CrashAndRestartAsync(CancellationToken ct)
        => throw new LabException($"restarting the {Description} ToR is not supported (the chaos soak runs with BIRD)");

    public abstract Task<IReadOnlyList<TorSession>> SessionsAsync(CancellationToken ct);

    /// <summary>The router's own BGP table, as its CLI prints it.</summary>
    public abstract Task<string> RoutesAsync(CancellationToken ct);

    /// <summary>The neighbors: every node, with the AS the topology gives it.</summary>
    protected IEnumerable<(string Name, string Address, uint As)> Neighbors =>
        Plan.NodeIndexes.Select(i => (AddressPlan.NodeName(i), AddressPlan.NodeAddress(i), Plan.NodeAs(i)));

    public static TorRouter For(AddressPlan plan)
    {
        var dir = Path.Combine(plan.Options.StateDir, "tor");
        return plan.Options.Tor == TorKind.Bird ? new BirdTor(plan, dir) : new FrrTor(plan, dir);
    }

    /// <summary>Polls until the control socket answers: both daemons fork before they are ready.</summary>
    protected static async Task WaitUntilAsync(Func<Task<bool>> ready, string what, CancellationToken ct)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await ready())
                return;
            await Task.Delay(100, ct);
        }
        throw new LabException($"{what} did not come up within 10 s");
    }
}
