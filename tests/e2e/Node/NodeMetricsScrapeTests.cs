using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using L3Net.Model.Resources;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Node;

/// <summary>
/// Prometheus' view of a running <c>l3net-node</c>: two nodes peering eBGP with a BIRD ToR, one pod each; node1's
/// <c>/metrics</c> on its health port is scraped the way Prometheus would (inside its namespace), checked with
/// <c>promtool check metrics</c>, and its per-peer figures must move as the ToR goes away and comes back.
/// </summary>
public sealed partial class NodeMetricsScrapeTests
{
    private const string Peer = "peer=\"10.0.1.1\",type=\"node specific\"";

    [Fact]
    public async Task The_metrics_page_passes_promtool_and_the_per_peer_figures_follow_the_tor_going_down_and_up()
    {
        Requires.Command("promtool");
        await using var f = new NodeFabric();
        f.AddNode(1);
        f.AddNode(2);
        await f.StartTorAsync([(1, 64601u), (2, 64602u)]);
        await f.ApplyAsync(new IPPool { Metadata = { Name = "pods" }, Spec = { Cidr = "10.244.0.0/24", BlockSize = 26 } });
        await f.ApplyAsync(new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName }, Spec = { NodeToNodeMeshEnabled = false } });
        for (var i = 1; i <= 2; i++)
        {
            await f.ApplyAsync(new BGPPeer { Metadata = { Name = $"tor{i}" }, Spec = { PeerIp = NodeFabric.TorAddress(i), AsNumber = "65000", Node = $"node{i}" } });
            f.StartDaemon(i, 64600u + (uint)i);
        }
        var node1 = f.Nodes["node1"];
        var page = "";
        string Logs() => $"node1:\n{f.DaemonOutput("node1")}\npage:\n{page}";
        bool Scraped(Func<string, bool> condition)
        {
            try
            {
                page = Scrape(node1);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                return false; // not listening yet, or too busy to answer within the socket timeout: scrape again
            }
            return condition(page);
        }

        await Eventually.AssertAsync(() => Scraped(p => Value(p, $"l3net_bgp_peer_state{{{Peer},state=\"Established\"}}") == 1),
            NodeFabric.Converge, "node1 Established with the ToR on its metrics page", Logs);
        var pod = await f.AddPodAsync(1, "p1");
        await f.AddPodAsync(2, "p2");

        // node2's block reaches node1 through the ToR; node1's block and pod show in its IPAM and CNI figures.
        await Eventually.AssertAsync(() => Scraped(p => Value(p, $"l3net_bgp_peer_prefixes_received{{{Peer}}}") > 0
                                                        && Value(p, $"l3net_bgp_peer_prefixes_advertised{{{Peer}}}") > 0
                                                        && Value(p, "l3net_cni_add_total") == 1),
            NodeFabric.Converge, "node2's block received, node1's advertised, node1's pod ADD counted", Logs);
        Check(page);
        Assert.True(Value(page, $"l3net_bgp_peer_updates_received_total{{{Peer}}}") > 0, Logs());
        Assert.True(Value(page, $"l3net_bgp_peer_updates_sent_total{{{Peer}}}") > 0, Logs());
        Assert.True(Value(page, $"l3net_bgp_peer_uptime_seconds{{{Peer}}}") > 0, Logs());
        Assert.Equal(0, Value(page, $"l3net_bgp_peer_flaps_total{{{Peer}}}"));
        Assert.Equal(1, Value(page, $"l3net_ipam_block_addresses_in_use{{pool=\"pods\",block=\"{pod.Block}\"}}"));
        Assert.Equal(1, Value(page, "l3net_ipam_pool_addresses_in_use{pool=\"pods\"}"));
        Assert.Equal(1, Value(page, "l3net_cni_add_seconds_count"));
        Assert.True(Value(page, "l3net_dataplane_apply_seconds_count") > 0, Logs());

        // The ToR stops: the session goes down, one flap, and why it went down is on the page.
        f.Bird!.Process.KillHard();
        await Eventually.AssertAsync(() => Scraped(p => Value(p, $"l3net_bgp_peer_state{{{Peer},state=\"Established\"}}") == 0
                                                        && Value(p, $"l3net_bgp_peer_flaps_total{{{Peer}}}") == 1
                                                        && LastError().IsMatch(p)),
            NodeFabric.Converge, "node1's session down, one flap and a last error after the ToR stopped", Logs);
        Assert.Equal(0, Value(page, $"l3net_bgp_peer_uptime_seconds{{{Peer}}}"));
        Check(page);

        // It starts again: Established, node2's block received anew, still the one flap.
        await f.Bird.RelaunchAsync();
        await Eventually.AssertAsync(() => Scraped(p => Value(p, $"l3net_bgp_peer_state{{{Peer},state=\"Established\"}}") == 1
                                                        && Value(p, $"l3net_bgp_peer_prefixes_received{{{Peer}}}") > 0),
            NodeFabric.Converge, "node1 Established again with node2's block received", Logs);
        Assert.Equal(1, Value(page, $"l3net_bgp_peer_flaps_total{{{Peer}}}"));
        Check(page);
    }

    /// <summary>GET /metrics on the node's health port (127.0.0.1:9099 in its namespace), over a socket made there.</summary>
    private static string Scrape(NetnsHost node)
    {
        using var socket = NetnsSockets.Factory(node)(AddressFamily.InterNetwork);
        socket.ReceiveTimeout = socket.SendTimeout = 5000;
        socket.Connect(new IPEndPoint(IPAddress.Loopback, 9099));
        socket.Send("GET /metrics HTTP/1.0\r\nHost: node\r\n\r\n"u8);
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = reader.ReadToEnd();
        var body = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        return response[(body + 4)..];
    }

    /// <summary><c>promtool check metrics</c>: the exposition parses and follows Prometheus' naming rules (it exits
    /// non-zero and names the metric for either).</summary>
    private static void Check(string page)
    {
        var result = ProcessRunner.Run("promtool", ["check", "metrics"], stdin: page);
        Assert.True(result.Ok, $"promtool check metrics failed ({result.ExitCode}):\n{result.Stdout}{result.Stderr}\npage:\n{page}");
    }

    /// <summary>The value of the series named exactly <paramref name="series"/> (name and labels as printed), or NaN.</summary>
    private static double Value(string page, string series)
    {
        foreach (var line in page.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        return double.NaN;
    }

    [GeneratedRegex("""^l3net_bgp_peer_last_error_info\{peer="10\.0\.1\.1",type="node specific",error="[^"]+"\} 1$""", RegexOptions.Multiline)]
    private static partial Regex LastError();
}
