using System.CommandLine;
using System.Net;
using System.Text.Json;
using L3Net.Cli.Output;
using L3Net.Model.Status;

namespace L3Net.Cli.NodeStatus;

/// <summary><c>l3netctl node status</c>: the local daemon's BGP sessions, as calicoctl shows them, and their BFD
/// sessions.</summary>
public static class NodeCommands
{
    public static Option<string> SocketOption() => new("--socket")
    {
        Description = "the l3net-node status socket",
        DefaultValueFactory = _ => NodeStatusClient.DefaultSocket,
    };

    public static Command Build(CliContext context)
    {
        var socket = SocketOption();
        var output = new Option<string>("--output", "-o")
        {
            Description = "table, wide (adds prefix counters) or json",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "wide", "json");

        var status = new Command("status", "BGP sessions of the l3net-node running on this host") { socket, output };
        status.SetAction(async (parse, ct) =>
        {
            var report = await NodeStatusClient.GetAsync(parse.GetValue(socket)!, ct);
            if (parse.GetValue(output) == "json")
                context.Console.Out.WriteLine(JsonSerializer.Serialize(report, JsonOptions.Indented));
            else
                Write(report, parse.GetValue(output) == "wide", context.Console);
            return 0;
        });
        return new Command("node", "the l3net-node daemon on this host") { status };
    }

    public static void Write(NodeStatusReport report, bool wide, CliConsole console)
    {
        console.Out.WriteLine($"l3net-node is running on node {report.Node} (version {report.Version}, " +
            $"AS {report.AsNumber}, router id {report.RouterId}, started {Timestamp(report.StartedAt)}).");
        foreach (var (family, peers) in new[] { ("IPv4", report.Peers.Where(p => !IsIpv6(p))), ("IPv6", report.Peers.Where(IsIpv6)) })
        {
            console.Out.WriteLine();
            console.Out.WriteLine($"{family} BGP status");
            var list = peers.ToList();
            if (list.Count == 0)
            {
                console.Out.WriteLine($"No {family} peers found.");
                continue;
            }
            var table = wide
                ? new TextTable("PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO", "RECEIVED", "ACCEPTED", "ADVERTISED")
                : new TextTable("PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO");
            foreach (var p in list)
            {
                string[] cells = [p.PeerAddress, p.PeerType, p.State, Timestamp(p.Since), p.Info];
                table.Add(wide
                    ? [.. cells, p.PrefixesReceived.ToString(), p.PrefixesAccepted.ToString(), p.PrefixesAdvertised.ToString()]
                    : cells);
            }
            table.WriteTo(console);
        }
        WriteBfd(report, console);
    }

    /// <summary>The BFD sessions beside BGP sessions, as <c>birdc show bfd sessions</c> lists them; only when a peer
    /// has one.</summary>
    private static void WriteBfd(NodeStatusReport report, CliConsole console)
    {
        var peers = report.Peers.Where(p => p.Bfd is not null).ToList();
        if (peers.Count == 0)
            return;
        console.Out.WriteLine();
        console.Out.WriteLine("BFD status");
        var table = new TextTable("PEER ADDRESS", "STATE", "SINCE", "DIAGNOSTIC", "MIN RX", "MIN TX", "MULTIPLIER", "TX INTERVAL", "DETECT TIME");
        foreach (var p in peers)
        {
            var b = p.Bfd!;
            var state = b.State == "Down" && b.RemoteState == "AdminDown" ? "Down (peer AdminDown)" : b.State;
            table.Add([p.PeerAddress, state, Timestamp(b.Since), b.Diagnostic, $"{b.MinRxMs}ms", $"{b.MinTxMs}ms",
                b.Multiplier.ToString(), $"{b.TransmitIntervalMs:0.#}ms", b.DetectionTimeMs > 0 ? $"{b.DetectionTimeMs:0.#}ms" : "-"]);
        }
        table.WriteTo(console);
    }

    private static bool IsIpv6(BgpPeerStatus peer) =>
        IPEndPoint.TryParse(peer.PeerAddress, out var ep) && ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static string Timestamp(DateTimeOffset t) =>
        t == default ? "-" : t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'");
}
