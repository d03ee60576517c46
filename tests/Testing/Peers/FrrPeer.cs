namespace L3Net.Testing.Peers;

/// <summary>
/// FRR 8 in a test namespace, in the foreground: <c>zebra</c> (interfaces and next-hop tracking; bgpd refuses IPv6
/// link-local next hops without it) and <c>bgpd -n</c> (nothing installed in the kernel) or <c>bfdd</c>, as the frr user, with a
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
        var (dir, launch) = await StartZebraAsync(host);
        var process = launch("bgpd", config, ["-n"]);
        var peer = new FrrPeer(host, dir, process);
        await Eventually.AssertAsync(() => peer.Vtysh("show bgp summary json").Contains("routerId"), TimeSpan.FromSeconds(10),
            "bgpd answering on its vty socket", () => process.Output);
        return peer;
    }

    /// <summary>Starts bfdd with <paramref name="config"/> (bfdd.conf syntax: a <c>bfd</c> node with <c>peer</c>s), its
    /// control socket in the instance's directory, and waits until vtysh answers.</summary>
    public static async Task<FrrPeer> StartBfdAsync(NetnsHost host, string config)
    {
        Requires.Command("bfdd");
        var (dir, launch) = await StartZebraAsync(host);
        var process = launch("bfdd", config, ["--bfdctl", Path.Combine(dir, "bfdd.sock")]);
        var peer = new FrrPeer(host, dir, process);
        await Eventually.AssertAsync(() => peer.Vtysh("show bfd peers json").StartsWith('['), TimeSpan.FromSeconds(10),
            "bfdd answering on its vty socket", () => process.Output);
        return peer;
    }

    private static async Task<(string Dir, Func<string, string, string[], BackgroundProcess> Launch)> StartZebraAsync(NetnsHost host)
    {
        Requires.Command("zebra");
        Requires.Command("vtysh");
        var dir = Directory.CreateTempSubdirectory($"l3t-frr-{host.Name}-").FullName;
        // The daemons drop to the frr user: their directory must be open to it.
        ProcessRunner.Run("chmod", ["0777", dir]).EnsureOk("chmod " + dir);
        var zserv = Path.Combine(dir, "zserv.api");
        BackgroundProcess Daemon(string name, string conf, string[] extra)
        {
            File.WriteAllText(Path.Combine(dir, name + ".conf"), conf);
            return host.Start(ProcessRunner.FindOnPath(name)!, ["-f", Path.Combine(dir, name + ".conf"), "-i", Path.Combine(dir, name + ".pid"),
                "-z", zserv, "--vty_socket", dir, "-P", "0", "--log", "stdout", .. extra]);
        }
        var zebra = Daemon("zebra", "hostname zebra\n", []);
        await Eventually.AssertAsync(() => File.Exists(zserv), TimeSpan.FromSeconds(10), "zebra listening", () => zebra.Output);
        return (dir, Daemon);
    }

    /// <summary>One vtysh command against this bgpd; its output (empty when it failed).</summary>
    public string Vtysh(string command) => ProcessRunner.Run("vtysh", ["--vty_socket", _dir, "-c", command]).Stdout;

    /// <summary>Configuration lines entered under <c>configure terminal</c>, in order, in one vtysh session.</summary>
    public void Configure(params string[] lines)
        => ProcessRunner.Run("vtysh", ["--vty_socket", _dir, "-c", "configure terminal", .. lines.SelectMany(l => new[] { "-c", l })])
            .EnsureOk("vtysh configure " + string.Join(" / ", lines));

    /// <summary><c>show bgp {ipv4|ipv6} unicast PREFIX json</c>.</summary>
    public string Route(string prefix) => Vtysh($"show bgp {(prefix.Contains(':') ? "ipv6" : "ipv4")} unicast {prefix} json");

    public bool IsEstablished(string neighbor) => Vtysh($"show bgp neighbors {neighbor} json").Contains("\"bgpState\":\"Established\"");

    public string Describe() => Vtysh("show bgp summary") + Vtysh("show bgp ipv4 unicast") + Vtysh("show bgp ipv6 unicast");
}
