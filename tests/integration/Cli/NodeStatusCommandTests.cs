using System.Net.Sockets;
using System.Text.Json;
using L3Net.Cli;
using L3Net.Model.Status;
using Xunit;

namespace L3Net.Tests.Integration.Cli;

public sealed class NodeStatusCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static string ReportJson() => JsonSerializer.Serialize(new NodeStatusReport
    {
        Node = "node-1",
        Version = "0.3.0",
        AsNumber = "64512",
        RouterId = "10.0.1.2",
        StartedAt = T0,
        Peers =
        [
            new() { PeerAddress = "10.0.1.3", PeerType = "node-to-node mesh", State = "Established", Since = T0.AddSeconds(5), Info = "Established", PrefixesReceived = 2, PrefixesAccepted = 2, PrefixesAdvertised = 1 },
            new() { PeerAddress = "10.0.0.1:1790", PeerType = "global", State = "Active", Since = T0.AddMinutes(1), Info = "Connection refused" },
            new() { PeerAddress = "fd00::1", PeerType = "node specific", State = "Established", Since = T0.AddMinutes(2), Info = "Established", PrefixesReceived = 10, PrefixesAccepted = 7 },
        ],
    }, JsonSerializerOptions.Web);

    [Fact]
    public async Task Status_prints_the_peers_per_address_family()
    {
        using var daemon = new NodeStatusDaemonDouble(ReportJson());
        var r = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            l3net-node is running on node node-1 (version 0.3.0, AS 64512, router id 10.0.1.2, started 2026-11-23 09:00:00Z).

            IPv4 BGP status
            PEER ADDRESS    PEER TYPE           STATE         SINCE                  INFO
            10.0.1.3        node-to-node mesh   Established   2026-11-23 09:00:05Z   Established
            10.0.0.1:1790   global              Active        2026-11-23 09:01:00Z   Connection refused

            IPv6 BGP status
            PEER ADDRESS   PEER TYPE       STATE         SINCE                  INFO
            fd00::1        node specific   Established   2026-11-23 09:02:00Z   Established

            """, r.Out);
        Assert.Equal("GET /status HTTP/1.1", Assert.Single(daemon.RequestLines));
    }

    [Fact]
    public async Task Wide_status_adds_the_prefix_counters()
    {
        using var daemon = new NodeStatusDaemonDouble(ReportJson());
        var r = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath, "-o", "wide");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("""
            PEER ADDRESS    PEER TYPE           STATE         SINCE                  INFO                 RECEIVED   ACCEPTED   ADVERTISED
            10.0.1.3        node-to-node mesh   Established   2026-11-23 09:00:05Z   Established          2          2          1
            10.0.0.1:1790   global              Active        2026-11-23 09:01:00Z   Connection refused   0          0          0
            """, r.Out);
    }

    [Fact]
    public async Task Json_status_is_the_report_itself()
    {
        using var daemon = new NodeStatusDaemonDouble(ReportJson());
        var r = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath, "-o", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var report = JsonSerializer.Deserialize<NodeStatusReport>(r.Out, JsonSerializerOptions.Web)!;
        Assert.Equal(["10.0.1.3", "10.0.0.1:1790", "fd00::1"], report.Peers.Select(p => p.PeerAddress));
        Assert.Equal(7, report.Peers[2].PrefixesAccepted);
    }

    [Fact]
    public async Task A_node_without_peers_says_so()
    {
        using var daemon = new NodeStatusDaemonDouble("""{"node":"n","version":"v","asNumber":"64512","routerId":"10.0.0.9","peers":[]}""");
        var r = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("""
            IPv4 BGP status
            No IPv4 peers found.

            IPv6 BGP status
            No IPv6 peers found.

            """, r.Out);
    }

    [Fact]
    public async Task No_daemon_is_one_clear_line_and_its_own_exit_code()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"l3netctl-absent-{Guid.NewGuid():N}.sock");
        var r = await CliRunner.RunAsync("node", "status", "--socket", socket);
        Assert.Equal((int)ExitCode.DaemonUnavailable, r.ExitCode);
        Assert.Equal($"error: l3net-node is not running on this host (no status socket at {socket})\n", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task A_stale_socket_file_with_no_listener_is_reported_as_not_running()
    {
        var dir = Directory.CreateTempSubdirectory("l3netctl-stale-").FullName;
        try
        {
            var path = Path.Combine(dir, "node.sock");
            using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                s.Bind(new UnixDomainSocketEndPoint(dir + "/bound.sock"));
                // .NET unlinks the file it bound on dispose; moving it away first leaves a socket file with no
                // listener, as a crashed daemon would.
                File.Move(dir + "/bound.sock", path);
            }
            var r = await CliRunner.RunAsync("node", "status", "--socket", path);
            Assert.Equal((int)ExitCode.DaemonUnavailable, r.ExitCode);
            Assert.Equal($"error: l3net-node is not running on this host (nothing listens on {path})\n", r.Err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_daemon_error_or_garbage_is_a_failure_without_a_stack_trace()
    {
        using (var daemon = new NodeStatusDaemonDouble("oops", status: 500))
        {
            var r = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath);
            Assert.Equal((int)ExitCode.Failure, r.ExitCode);
            Assert.Equal($"error: l3net-node answered 500 X on {daemon.SocketPath}\n", r.Err);
        }
        using (var daemon = new NodeStatusDaemonDouble("{not json"))
        {
            var r = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath);
            Assert.Equal((int)ExitCode.Failure, r.ExitCode);
            Assert.StartsWith("error: l3net-node sent a status report that is not valid:", r.Err);
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            var debug = await CliRunner.RunAsync("node", "status", "--socket", daemon.SocketPath, "--debug");
            Assert.Contains("   at ", debug.Err);
        }
    }

    [Fact]
    public async Task Version_shows_client_and_daemon()
    {
        using var daemon = new NodeStatusDaemonDouble(ReportJson());
        var r = await CliRunner.RunAsync("version", "--socket", daemon.SocketPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"Client Version:   {VersionCommand.ClientVersion}\nDaemon Version:   0.3.0 (node node-1)\n", r.Out);

        var alone = await CliRunner.RunAsync("version", "--socket", daemon.SocketPath + ".absent");
        Assert.Equal(0, alone.ExitCode);
        Assert.Contains("Daemon Version:   unavailable (l3net-node is not running on this host", alone.Out);
    }
}
