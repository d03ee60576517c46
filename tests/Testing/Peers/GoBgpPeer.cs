namespace L3Net.Testing.Peers;

/// <summary>A GoBGP 3 daemon in a test namespace, driven with the <c>gobgp</c> CLI over its gRPC port on the
/// namespace's own loopback.</summary>
public sealed class GoBgpPeer
{
    private readonly NetnsHost _host;

    private GoBgpPeer(NetnsHost host, BackgroundProcess process)
    {
        _host = host;
        Process = process;
    }

    public BackgroundProcess Process { get; }

    /// <summary>Starts gobgpd with a TOML <paramref name="config"/> and waits until its API answers.</summary>
    public static async Task<GoBgpPeer> StartAsync(NetnsHost host, string config)
    {
        Requires.Command("gobgpd");
        var dir = Directory.CreateTempSubdirectory($"l3t-gobgp-{host.Name}-").FullName;
        var file = Path.Combine(dir, "gobgpd.toml");
        File.WriteAllText(file, config);
        var peer = new GoBgpPeer(host, host.Start("gobgpd", ["-f", file, "-t", "toml", "--api-hosts", "127.0.0.1:50051"]));
        await Eventually.AssertAsync(() => peer.Gobgp("global").Contains("AS:"), TimeSpan.FromSeconds(10),
            "gobgpd answering on its API", () => peer.Process.Output);
        return peer;
    }

    public string Gobgp(params string[] args) => _host.Exec("gobgp", ["-u", "127.0.0.1", "-p", "50051", .. args]).Stdout;

    public string Rib(string family = "ipv4") => Gobgp("global", "rib", "-a", family);

    /// <summary>The RIB entry for one prefix as JSON (next hop and AS path included).</summary>
    public string Route(string prefix) => Gobgp("global", "rib", "-a", prefix.Contains(':') ? "ipv6" : "ipv4", prefix, "-j");
}
