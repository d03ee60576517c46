namespace L3Net.Testing.Peers;

/// <summary>
/// FRR 8 in a test namespace, in the foreground: <c>zebra</c> (interfaces and next-hop tracking; bgpd refuses IPv6
/// link-local next hops without it) and <c>bgpd -n</c> (nothing installed in the kernel), as the frr user, with a
/// socket directory of their own so that <c>vtysh --vty_socket</c> reaches this instance only. Killed with the
/// namespace.
/// </summary>
public sealed class FrrPeer
{
    private readonly NetnsHost _host;
    private readonly string _dir;

    private FrrPeer(NetnsHost host, string dir, BackgroundProcess process)
    {
        _host = host;
        _dir = dir;
        Process = process;
    }

    public BackgroundProcess Process { get; }

    /// <summary>Starts bgpd with <paramref name="config"/> (bgpd.conf syntax) and waits until vtysh answers.</summary>
    public static async Task<FrrPeer> StartAsync(NetnsHost host, string config)
    {
        Requires.Command("bgpd");
        Requires.Command("zebra");
        Requires.Command("vtysh");
        var dir = Directory.CreateTempSubdirectory($"l3t-frr-{host.Name}-").FullName;
        // The daemons drop to the frr user: their directory must be open to it.
        ProcessRunner.Run("chmod", ["0777", dir]).EnsureOk("chmod " + dir);
        var zserv = Path.Combine(dir, "zserv.api");
        BackgroundProcess Daemon(string name, string conf, params string[] extra)
        {
            File.WriteAllText(Path.Combine(dir, name + ".conf"), conf);
            return host.Start(ProcessRunner.FindOnPath(name)!, ["-f", Path.Combine(dir, name + ".conf"), "-i", Path.Combine(dir, name + ".pid"),
                "-z", zserv, "--vty_socket", dir, "-P", "0", "--log", "stdout", .. extra]);
        }
        var zebra = Daemon("zebra", "hostname zebra\n");
        await Eventually.AssertAsync(() => File.Exists(zserv), TimeSpan.FromSeconds(10), "zebra listening", () => zebra.Output);
        var process = Daemon("bgpd", config, "-n");
        var peer = new FrrPeer(host, dir, process);
        await Eventually.AssertAsync(() => peer.Vtysh("show bgp summary json").Contains("routerId"), TimeSpan.FromSeconds(10),
            "bgpd answering on its vty socket", () => process.Output);
        return peer;
    }

    /// <summary>One vtysh command against this bgpd; its output (empty when it failed).</summary>
    public string Vtysh(string command) => ProcessRunner.Run("vtysh", ["--vty_socket", _dir, "-c", command]).Stdout;

    /// <summary><c>show bgp {ipv4|ipv6} unicast PREFIX json</c>.</summary>
    public string Route(string prefix) => Vtysh($"show bgp {(prefix.Contains(':') ? "ipv6" : "ipv4")} unicast {prefix} json");

    public bool IsEstablished(string neighbor) => Vtysh($"show bgp neighbors {neighbor} json").Contains("\"bgpState\":\"Established\"");

    public string Describe() => Vtysh("show bgp summary") + Vtysh("show bgp ipv4 unicast") + Vtysh("show bgp ipv6 unicast");
}
