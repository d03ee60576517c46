using System.Text;
using System.Text.Json.Nodes;

namespace L3Net.Lab;

/// <summary>FRR (zebra + bgpd) as the ToR: a second, independent BGP implementation. The daemons run as the
/// <c>frr</c> user, so the ToR directory is world-writable.</summary>
public sealed class FrrTor(RouterSite site, string dir) : TorRouter(site, dir)
{
    public override string Description => "FRR";

    public string Config()
    {
        var c = new StringBuilder($"""
            frr defaults datacenter
            hostname {Site.Namespace}
            log file {Path.Combine(Dir, "bgpd.log")}
            ip prefix-list PODS seq 5 permit {AddressPlan.PoolCidr} le 32
            router bgp {Site.As}
             bgp router-id {Site.RouterId}
             no bgp ebgp-requires-policy
             bgp graceful-restart

            """);
        foreach (var n in Neighbors)
        {
            c.AppendLine($" neighbor {n.Address} remote-as {n.As}");
            c.AppendLine($" neighbor {n.Address} description {n.Name}");
            c.AppendLine($" neighbor {n.Address} timers connect 2");
        }
        c.AppendLine(" address-family ipv4 unicast");
        // ECMP: equal paths (a spine's two ToRs of a rack) go into the kernel as one multipath route.
        c.AppendLine("  maximum-paths 8");
        foreach (var address in Neighbors.Select(n => n.Address))
        {
            c.AppendLine($"  neighbor {address} prefix-list PODS in");
            c.AppendLine($"  neighbor {address} next-hop-self");
        }
        c.AppendLine(" exit-address-family");
        return c.ToString();
    }

    public override async Task StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Dir);
        Exec.Run("chmod", "0777", Dir).EnsureOk($"chmod {Dir}");
        await File.WriteAllTextAsync(Path.Combine(Dir, "bgpd.conf"), Config(), ct);
        await File.WriteAllTextAsync(Path.Combine(Dir, "zebra.conf"), $"hostname {Site.Namespace}\n", ct);
        foreach (var daemon in new[] { "zebra", "bgpd" })
        {
            (await Exec.InNetnsAsync(Site.Namespace, $"/usr/lib/frr/{daemon}",
                ["-d", "-f", Path.Combine(Dir, $"{daemon}.conf"), "-i", Path.Combine(Dir, $"{daemon}.pid"),
                 "-z", Path.Combine(Dir, "zserv.api"), "--vty_socket", Dir, "-P", "0",
                 "--log", $"file:{Path.Combine(Dir, $"{daemon}.log")}"], ct: ct)).EnsureOk(daemon);
            if (daemon == "zebra")
                await WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(Dir, "zserv.api"))), "zebra", ct);
        }
        await WaitUntilAsync(async () => (await Vtysh("show bgp summary", ct)).Ok, "bgpd", ct);
    }

    /// <summary>bgpd only: zebra keeps the kernel routes, as a router whose BGP process crashed does.</summary>
    public override Task KillAsync(CancellationToken ct) => KillPidAsync(Path.Combine(Dir, "bgpd.pid"), ct);

    private Task<ExecResult> Vtysh(string command, CancellationToken ct)
        => Exec.RunAsync("vtysh", ["--vty_socket", Dir, "-c", command], timeout: TimeSpan.FromSeconds(5), ct: ct);

    public override async Task<IReadOnlyList<TorSession>> SessionsAsync(CancellationToken ct)
    {
        var json = (await Vtysh("show bgp ipv4 unicast summary json", ct)).EnsureOk("vtysh show bgp summary").Stdout;
        return [.. ParseSummary(json).Select(s => s with { Router = Site.Name })];
    }

    /// <summary>The peers of <c>show bgp ipv4 unicast summary json</c>.</summary>
    public static IReadOnlyList<TorSession> ParseSummary(string json)
    {
        var peers = JsonNode.Parse(json)?["peers"]?.AsObject();
        if (peers is null)
            return [];
        return peers.Select(p => new TorSession(
                p.Value?["desc"]?.GetValue<string>() ?? p.Key,
                p.Key,
                p.Value?["state"]?.GetValue<string>() ?? "",
                p.Value?["peerUptime"]?.GetValue<string>() ?? "",
                $"received {p.Value?["pfxRcd"]?.GetValue<long>() ?? 0}, sent {p.Value?["pfxSnt"]?.GetValue<long>() ?? 0}"))
            .ToList();
    }

    public override async Task<string> RoutesAsync(CancellationToken ct)
        => (await Vtysh("show ip bgp", ct)).EnsureOk("vtysh show ip bgp").Stdout;
}
