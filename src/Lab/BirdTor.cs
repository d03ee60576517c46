using System.Text;

namespace L3Net.Lab;

/// <summary>BIRD 2 as the ToR (the reference peer: Calico itself ships BIRD).</summary>
public sealed class BirdTor(RouterSite site, string dir) : TorRouter(site, dir)
{
    private string Socket => Path.Combine(Dir, "bird.ctl");

    public override string Description => "BIRD";

    public string Config()
    {
        var c = new StringBuilder($$"""
            log "{{Path.Combine(Dir, "bird.log")}}" all;
            router id {{Site.RouterId}};
            timeformat protocol "%T";
            protocol device { scan time 10; }
            protocol kernel {
              ipv4 { import none; export where source = RTS_BGP; };
              merge paths on;
            }
            filter pods_in { if net ~ [ {{AddressPlan.PoolCidr}}+ ] then accept; reject; }
            {{BfdProtocol}}
            template bgp peer {
              # No local address: each session leaves by the interface facing its neighbor (a ToR has two).
              local as {{Site.As}};
              graceful restart on;
              hold time 9; keepalive time 3; connect retry time 2; error wait time 1, 5;
              ipv4 { import filter pods_in; export where source = RTS_BGP; next hop self; };
            }

            """);
        foreach (var n in Neighbors)
            c.AppendLine($"protocol bgp {n.Name} from peer {{ neighbor {n.Address} as {n.As}; description \"{n.Name}\";{(n.Bfd ? " bfd on;" : "")} }}");
        return c.ToString();
    }

    /// <summary>BIRD's BFD, for the sessions with <c>bfd on</c>; BIRD's own sessions run only toward those neighbors.</summary>
    private string BfdProtocol => Neighbors.Any(n => n.Bfd)
        ? $"protocol bfd {{ interface \"*\" {{ min rx interval {BfdIntervalMs} ms; min tx interval {BfdIntervalMs} ms; multiplier {BfdMultiplier}; }}; }}"
        : "";

    private string PidFile => Path.Combine(Dir, "bird.pid");

    public override Task StartAsync(CancellationToken ct) => LaunchAsync([], ct);

    /// <summary>SIGKILL, as a crash would, then BIRD again with <c>-R</c> (graceful restart recovery): its kernel
    /// protocol keeps the routes the dead BIRD installed until BGP has re-converged, as a restarting router's
    /// forwarding plane does, while the nodes hold its routes as graceful restart helpers.</summary>
    public override async Task CrashAndRestartAsync(CancellationToken ct)
    {
        await KillAsync(ct);
        await LaunchAsync(["-R"], ct);
    }

    public override Task KillAsync(CancellationToken ct) => KillPidAsync(PidFile, ct);

    private async Task LaunchAsync(string[] flags, CancellationToken ct)
    {
        var conf = Path.Combine(Dir, "bird.conf");
        await File.WriteAllTextAsync(conf, Config(), ct);
        (await Exec.InNetnsAsync(Site.Namespace, "bird", ["-c", conf, "-s", Socket, "-P", PidFile, .. flags], ct: ct))
            .EnsureOk("bird");
        await WaitUntilAsync(async () => (await Birdc("show status", ct)).Ok, "BIRD", ct);
    }

    private Task<ExecResult> Birdc(string command, CancellationToken ct)
        => Exec.RunAsync("birdc", ["-s", Socket, .. command.Split(' ')], timeout: TimeSpan.FromSeconds(5), ct: ct);

    public override async Task<IReadOnlyList<TorSession>> SessionsAsync(CancellationToken ct)
    {
        var output = (await Birdc("show protocols", ct)).EnsureOk("birdc show protocols").Stdout;
        var addresses = Neighbors.ToDictionary(n => n.Name, n => n.Address);
        return ParseProtocols(output)
            // BIRD's State column says up/start; the BGP state (Established, Active, ...) opens the Info column.
            .Select(p => new TorSession(p.Name, addresses.GetValueOrDefault(p.Name, ""),
                p.Info.Length > 0 ? p.Info.Split(' ')[0] : p.State, p.Since, p.Info) { Router = Site.Name })
            .ToList();
    }

    /// <summary>The BGP rows of <c>birdc show protocols</c>: "name BGP --- up 09:31:00 Established".</summary>
    public static IEnumerable<(string Name, string State, string Since, string Info)> ParseProtocols(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            var f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 5 && f[1] == "BGP")
                yield return (f[0], f[3], f[4], f.Length > 5 ? f[5].Trim() : "");
        }
    }

    public override async Task<string> RoutesAsync(CancellationToken ct)
        => (await Birdc("show route", ct)).EnsureOk("birdc show route").Stdout;
}
