namespace L3Net.Lab;

/// <summary>One BGP session as the ToR router sees it.</summary>
public sealed record TorSession(string Name, string Neighbor, string State, string Since, string Info)
{
    /// <summary>The router reporting it (<see cref="RouterSite.Name"/>): a lab with several routers lists all of theirs.</summary>
    public string Router { get; init; } = "";

    public bool Established => State.Equals("Established", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A lab router (the top-of-rack router, or in dual-tor a ToR or the spine): a real BIRD or FRR in its own
/// namespace, peering with its <see cref="RouterSite.Neighbors"/>. It accepts only pod routes (the pool and anything
/// longer), re-advertises them with itself as next hop, and installs equal paths as one multipath route.</summary>
public abstract class TorRouter(RouterSite site, string dir)
{
    public RouterSite Site { get; } = site;

    /// <summary>BFD timers on the node-facing sessions that ask for it (the lab's <c>--bfd</c>).</summary>
    public const int BfdIntervalMs = 300, BfdMultiplier = 3;

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

    /// <summary>Kills the BGP daemon(s) with SIGKILL, as a crash would, and leaves them dead; <see cref="StartAsync"/>
    /// brings them back.</summary>
    public abstract Task KillAsync(CancellationToken ct);

    protected IReadOnlyList<RouterNeighbor> Neighbors => Site.Neighbors;

    public static TorRouter For(AddressPlan plan, RouterSite site)
    {
        var dir = Path.Combine(plan.Options.StateDir, site.Name);
        return plan.Options.Tor == TorKind.Bird ? new BirdTor(site, dir) : new FrrTor(site, dir);
    }

    /// <summary>SIGKILL to the daemon of <paramref name="pidFile"/>; returns once it is gone.</summary>
    protected static async Task KillPidAsync(string pidFile, CancellationToken ct)
    {
        if (Exec.RunningPid(pidFile) is not { } pid)
            return;
        Exec.Run("kill", "-KILL", pid.ToString());
        for (var i = 0; i < 50 && Exec.RunningPid(pidFile) is not null; i++)
            await Task.Delay(100, ct);
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
