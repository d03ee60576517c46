using System.Text;
using System.Text.Json.Nodes;

namespace L3Net.Lab;

/// <summary>FRR (zebra + bgpd) as the ToR: a second, independent BGP implementation. The daemons run as the
/// <c>frr</c> user, so the ToR directory is world-writable.</summary>
public sealed class FrrTor(AddressPlan plan, string dir) : TorRouter(plan, dir)
{
    public override string Description => "FRR";

    public string Config()
    {
        var c = new StringBuilder($"""
            frr defaults datacenter
            hostname {Plan.TorNamespace}
            log file {Path.Combine(Dir, "bgpd.log")}
            ip prefix-list PODS seq 5 permit {AddressPlan.PoolCidr} le 32
            router bgp {AddressPlan.TorAs}
             bgp router-id {AddressPlan.TorAddress}
             no bgp ebgp-requires-policy
             bgp graceful-restart

            """);
        foreach (var (name, address, asn) in Neighbors)
        {
            c.AppendLine($" neighbor {address} remote-as {asn}");
            c.AppendLine($" neighbor {address} description {name}");
            c.AppendLine($" neighbor {address} timers connect 2");
        }
        c.AppendLine(" address-family ipv4 unicast");
        foreach (var (_, address, _) in Neighbors)
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
        await File.WriteAllTextAsync(Path.Combine(Dir, "zebra.conf"), $"hostname {Plan.TorNamespace}\n", ct);
        foreach (var daemon in new[] { "zebra", "bgpd" })
        {
            (await Exec.InNetnsAsync(Plan.TorNamespace, $"/usr/lib/frr/{daemon}",
                ["-d", "-f", Path.Combine(Dir, $"{daemon}.conf"), "-i", Path.Combine(Dir, $"{daemon}.pid"),
                 "-z", Path.Combine(Dir, "zserv.api"), "--vty_socket", Dir, "-P", "0",
                 "--log", $"file:{Path.Combine(Dir, $"{daemon}.log")}"], ct: ct)).EnsureOk(daemon);
            if (daemon == "zebra")
                await WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(Dir, "zserv.api"))), "zebra", ct);
        }
        await WaitUntilAsync(async () => (await Vtysh("show bgp summary", ct)).Ok, "bgpd", ct);
    }

    private Task<ExecResult> Vtysh(string command, CancellationToken ct)
        => Exec.RunAsync("vtysh", ["--vty_socket", Dir, "-c", command], timeout: TimeSpan.FromSeconds(5), ct: ct);

    public override async Task<IReadOnlyList<TorSession>> SessionsAsync(CancellationToken ct)
    {
        var json = (await Vtysh("show bgp ipv4 unicast summary json", ct)).EnsureOk("vtysh show bgp summary").Stdout;
        return ParseSummary(json);
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
