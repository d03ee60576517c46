namespace L3Net.Testing.Peers;

/// <summary>
/// A BIRD 2 daemon in a test namespace: writes the config, starts <c>bird -f</c> with its own control socket and
/// answers <c>birdc</c> queries. Killed with the namespace.
/// </summary>
public sealed class BirdPeer
{
    private readonly NetnsHost _host;
    private readonly string _dir;

    private readonly TimeSpan _ready;

    private BirdPeer(NetnsHost host, string dir, BackgroundProcess process, TimeSpan ready)
    {
        _host = host;
        _dir = dir;
        Process = process;
        _ready = ready;
    }

    public BackgroundProcess Process { get; private set; }
    public string Socket => Path.Combine(_dir, "bird.ctl");

    /// <summary>Starts BIRD with <paramref name="config"/> (log to stderr is added) and waits until it answers, at most
    /// <paramref name="ready"/> (10 s by default; a benchmark's million static routes take longer to parse).</summary>
    public static async Task<BirdPeer> StartAsync(NetnsHost host, string config, TimeSpan? ready = null)
    {
        Requires.Command("bird");
        var dir = Directory.CreateTempSubdirectory($"l3t-bird-{host.Name}-").FullName;
        File.WriteAllText(Path.Combine(dir, "bird.conf"), "log stderr all;\n" + config);
        var peer = new BirdPeer(host, dir, null!, ready ?? TimeSpan.FromSeconds(10));
        peer.Process = peer.Launch();
        await peer.WaitReadyAsync();
        return peer;
    }

    private BackgroundProcess Launch()
        => _host.Start("bird", ["-f", "-c", Path.Combine(_dir, "bird.conf"), "-s", Socket]);

    private async Task WaitReadyAsync()
        => await Eventually.AssertAsync(() => Birdc("show", "status").Contains("Daemon is up"), _ready,
            "BIRD answering on its control socket", () => Process.Output);

    /// <summary>SIGKILL, then a fresh start with the same configuration (for restart tests).</summary>
    public async Task RestartAsync()
    {
        Process.KillHard();
        Process = Launch();
        await WaitReadyAsync();
    }

    public string Birdc(params string[] args) => _host.Exec("birdc", ["-s", Socket, .. args]).Stdout;

    /// <summary><c>show route [prefix] all</c> output.</summary>
    public string Routes(string? prefix = null) => prefix is null ? Birdc("show", "route", "all") : Birdc("show", "route", prefix, "all");

    public string Protocol(string name) => Birdc("show", "protocols", "all", name);

    public bool IsEstablished(string protocol) => Birdc("show", "protocols", protocol).Contains("Established");
}
