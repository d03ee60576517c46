using L3Net.Cli.NodeStatus;
using L3Net.Cli.Output;
using L3Net.Lab;

namespace L3Net.Cli.Lab;

/// <summary>Prints a lab the way a network engineer reads a rack: each node's BGP sessions, the ToR's sessions and
/// routing table, the pods, and the pod-to-pod ping matrix.</summary>
public static class LabReport
{
    public static void Write(LabStatus status, CliConsole console)
    {
        var o = console.Out;
        var state = status.State;
        o.WriteLine();
        var core = state.Plan.CoreRouter;
        o.WriteLine($"Lab '{state.Name}': {state.Nodes.Count} nodes, topology {LabOptions.Spelling(state.Topology)}, " +
            $"{state.Tor} {(state.Plan.Routers.Count > 1 ? $"routers {string.Join(", ", state.Plan.Routers.Select(r => $"{r.Name} (AS {r.As})"))}" : $"ToR {core.RouterId} (AS {core.As})")}" +
            $"{(state.Bfd ? ", BFD on" : "")}, datastore {state.Plan.NodeDatastore}");
        foreach (var node in status.Nodes)
        {
            o.WriteLine();
            o.WriteLine($"== {node.Node.Name} ({node.Node.Address}, namespace {node.Node.Namespace})");
            if (node.Report is { } report)
                NodeCommands.Write(report, wide: true, console);
            else
                o.WriteLine($"no status: {node.Error}");
        }

        o.WriteLine();
        o.WriteLine($"== {state.Tor} router sessions ({string.Join(", ", state.Plan.Routers.Select(r => r.Namespace))})");
        if (status.TorError is { } error)
            o.WriteLine(error);
        var sessions = new TextTable("ROUTER", "NAME", "NEIGHBOR", "STATE", "SINCE", "INFO");
        foreach (var s in status.TorSessions)
            sessions.Add(s.Router, s.Name, s.Neighbor, s.State, s.Since, s.Info);
        sessions.WriteTo(console);

        o.WriteLine();
        o.WriteLine($"== {core.Name} BGP table ({(state.Tor == TorKind.Bird ? "birdc show route" : "vtysh show ip bgp")})");
        o.WriteLine(status.TorBgpTable.TrimEnd());
        o.WriteLine();
        o.WriteLine($"== {core.Name} kernel routes into the pool {AddressPlan.PoolCidr} (ip -n {core.Namespace} route)");
        foreach (var route in status.TorPodRoutes)
            o.WriteLine(route);
        if (!status.TorPodRoutes.Any())
            o.WriteLine("(none yet)");

        o.WriteLine();
        o.WriteLine("== Pods");
        var pods = new TextTable("POD", "NODE", "ADDRESS", "NETNS");
        foreach (var p in state.Pods.OrderBy(p => p.Node, StringComparer.Ordinal).ThenBy(p => p.Name.Length).ThenBy(p => p.Name, StringComparer.Ordinal))
            pods.Add(p.Name, p.Node, p.Address, p.Namespace);
        pods.WriteTo(console);
    }

    /// <summary>Rows ping columns: "ok 0.08" is the round trip in ms, "FAIL" a lost ping, "-" the pod itself.</summary>
    public static void WritePing(IReadOnlyList<PingResult> results, CliConsole console)
    {
        var pods = results.Select(r => r.From).Concat(results.Select(r => r.To)).DistinctBy(p => p.Name)
            .OrderBy(p => p.Node, StringComparer.Ordinal).ThenBy(p => p.Name.Length).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        var byPair = results.ToDictionary(r => (r.From.Name, r.To.Name));
        console.Out.WriteLine();
        console.Out.WriteLine($"== Ping matrix (from row to column, one packet, 1 s timeout): " +
            $"{results.Count(r => r.Ok)}/{results.Count} pairs answered");
        var table = new TextTable(["FROM \\ TO", .. pods.Select(p => $"{p.Name} {p.Address}")]);
        foreach (var from in pods)
        {
            table.Add([$"{from.Name} {from.Address}", .. pods.Select(to =>
                byPair.TryGetValue((from.Name, to.Name), out var r)
                    ? r.Ok ? $"ok {r.RttMs:0.00}" : "FAIL"
                    : "-")]);
        }
        table.WriteTo(console);
    }
}
