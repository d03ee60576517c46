using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using L3Net.Ipam;
using L3Net.Testing;
using L3Net.Tests.E2e.Node;
using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>
/// The plugin handing its invocations to a real <c>l3net-node</c> over the daemon's unix socket (<c>--cni-socket</c>,
/// the configuration's <c>daemon_socket</c>), through the published plugin binary: the daemon does the work (its pid
/// is on the CNI log's lines), the plugin does it itself when no daemon listens (never started, or killed and its
/// socket file left behind), a request that is not one gets an error and changes nothing, and 50 concurrent ADDs get
/// 50 distinct addresses with a clean IPAM check.
/// </summary>
[Collection(CniHarness.Collection)]
public sealed class CniHandoffTests : IDisposable
{
    private readonly CniHarness _h = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("l3cf-handoff-").FullName;

    private string Socket => Path.Combine(_dir, "cni.sock");

    private string Conf() => _h.Conf(extra: $",\"daemon_socket\":\"{Socket}\"");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADD_and_DEL_are_done_by_the_daemon()
    {
        var daemon = await StartDaemonAsync();
        var pod = _h.AddPod("p");

        var add = await _h.RunAsync(Conf(), _h.Env("ADD", "c1", pod));

        var address = CniHarness.PodAddress(add.Ok());
        Assert.Contains($"[{daemon.Pid}] ADD c1: assigned {address}", File.ReadAllText(_h.LogFile), StringComparison.Ordinal);
        Assert.Contains($"inet {address}/32", pod.Ip("addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Contains($"{address} dev cali", _h.L3NetRoutes(), StringComparison.Ordinal);
        Assert.Single(_h.Endpoints());
        Assert.True(_h.Node.Ping(address), "the pod the daemon set up is unreachable");

        (await _h.RunAsync(Conf(), _h.Env("DEL", "c1", pod))).Ok();

        Assert.Contains($"[{daemon.Pid}] DEL c1: released 1", File.ReadAllText(_h.LogFile), StringComparison.Ordinal);
        Assert.Empty(_h.Allocations());
        Assert.Empty(_h.Endpoints());
        await VethsGoneAsync(); // the daemon deletes the veth after answering
    }

    [Fact]
    public async Task With_the_daemon_killed_the_plugin_does_the_work_itself()
    {
        var daemon = await StartDaemonAsync();
        var pid = daemon.Pid;
        daemon.KillHard(); // SIGKILL: the socket file stays, and connecting to it is refused
        Assert.True(File.Exists(Socket), "a killed daemon's socket file is the case under test");
        var pod = _h.AddPod("p");

        var add = await _h.RunAsync(Conf(), _h.Env("ADD", "c1", pod));

        var address = CniHarness.PodAddress(add.Ok());
        Assert.DoesNotContain($"[{pid}]", File.ReadAllText(_h.LogFile), StringComparison.Ordinal);
        Assert.Contains("ADD c1: assigned", File.ReadAllText(_h.LogFile), StringComparison.Ordinal);
        Assert.Contains($"inet {address}/32", pod.Ip("addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Single(_h.Allocations());
        (await _h.RunAsync(Conf(), _h.Env("DEL", "c1", pod))).Ok();
        Assert.Empty(_h.Allocations());
        Assert.Empty(_h.CaliLinks());
    }

    [Fact]
    public async Task A_malformed_request_gets_an_error_and_changes_nothing()
    {
        await StartDaemonAsync();
        var pod = _h.AddPod("p");
        var conf = Encoding.UTF8.GetBytes(Conf());

        var wrongLength = await ExchangeAsync([0x7f, 0xff, 0xff, 0xff]);
        var wrongVersion = await ExchangeAsync(Frame([9, 0, 0, 0, 0]));
        var truncated = await ExchangeAsync(Frame([1, 0, 0, 0, 6, 0, 0]));
        var foreignVariable = await ExchangeAsync(Request(new() { ["LD_PRELOAD"] = "/tmp/x.so" }, conf));
        var noContainer = await ExchangeAsync(Request(new() { ["CNI_COMMAND"] = "ADD", ["CNI_NETNS"] = pod.NetnsPath, ["CNI_IFNAME"] = "eth0" }, conf));
        var badMtu = await ExchangeAsync(Request(AddEnvironment(pod), Encoding.UTF8.GetBytes(Conf().Replace("\"mtu\":1450", "\"mtu\":10", StringComparison.Ordinal))));

        Assert.Equal(6, wrongLength);
        Assert.Equal(6, wrongVersion);
        Assert.Equal(6, truncated);
        Assert.Equal(6, foreignVariable);
        Assert.Equal(4, noContainer);
        Assert.Equal(7, badMtu);
        Assert.Empty(_h.Allocations());
        Assert.Empty(_h.Endpoints());
        Assert.Empty(_h.CaliLinks());
        // The daemon is still serving.
        (await _h.RunAsync(Conf(), _h.Env("ADD", "c1", pod))).Ok();
    }

    [Fact]
    public async Task Fifty_concurrent_ADDs_through_the_daemon_get_distinct_addresses_and_a_clean_check()
    {
        await StartDaemonAsync();
        var pods = Enumerable.Range(0, 50).Select(i => _h.AddPod($"c{i}")).ToList();

        var adds = await Task.WhenAll(pods.Select((p, i) => _h.RunAsync(Conf(), _h.Env("ADD", $"c{i}", p))));

        var addresses = adds.Select(a => CniHarness.PodAddress(a.Ok())).ToList();
        Assert.Equal(50, addresses.Distinct().Count());
        Assert.Equal(50, _h.Allocations().Count);
        var ipam = new IpamService(_h.Store);
        var whileUp = await ipam.CheckAsync(TimeSpan.Zero, Ct);
        Assert.True(whileUp.Clean, whileUp.ToString());

        foreach (var del in await Task.WhenAll(pods.Select((p, i) => _h.RunAsync(Conf(), _h.Env("DEL", $"c{i}", p)))))
            del.Ok();

        Assert.Empty(_h.Allocations());
        await VethsGoneAsync();
        var afterDel = await ipam.CheckAsync(TimeSpan.Zero, Ct);
        Assert.True(afterDel.Clean, afterDel.ToString());
    }

    private Task VethsGoneAsync() =>
        Eventually.AssertAsync(() => _h.CaliLinks().Count == 0, TimeSpan.FromSeconds(30), "the daemon deleted every veth after DEL",
            () => string.Join(", ", _h.CaliLinks()));

    private async Task<BackgroundProcess> StartDaemonAsync()
    {
        var daemon = _h.Node.Start(NodeFabric.DaemonPath(),
            ["--node", CniHarness.NodeName, "--datastore", _h.DatastoreUrl, "--ipv4-address", $"{CniHarness.NodeAddress}/32",
             "--status-socket", Path.Combine(_dir, "node.sock"), "--health", "127.0.0.1:9099", "--cni-socket", Socket]);
        // Listening is the event; the file appears at bind, so the first connect that is not refused is the signal.
        var ready = await Eventually.HoldsAsync(() => !daemon.HasExited && Accepts(), TimeSpan.FromSeconds(60));
        Assert.True(ready, $"l3net-node did not listen on {Socket}: {daemon.Output}");
        return daemon;
    }

    private bool Accepts()
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(Socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private Dictionary<string, string> AddEnvironment(NetnsHost pod) => new()
    {
        ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "bad1", ["CNI_NETNS"] = pod.NetnsPath, ["CNI_IFNAME"] = "eth0",
    };

    /// <summary>Sends raw bytes as a plugin would and returns the CNI error code of the reply (its stdout's JSON).</summary>
    private async Task<int> ExchangeAsync(byte[] bytes)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), Ct);
        await using var stream = new NetworkStream(s);
        await stream.WriteAsync(bytes, Ct);
        s.Shutdown(SocketShutdown.Send);
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, Ct);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        await stream.ReadExactlyAsync(payload, Ct);
        var exit = BinaryPrimitives.ReadInt32BigEndian(payload);
        var json = JsonNode.Parse(payload.AsSpan(8))!;
        Assert.Equal(exit, json["code"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(json["msg"]!.GetValue<string>()));
        return exit;
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>A request in the wire format, written here by hand, not by the plugin's encoder: the daemon's decoder
    /// is what is under test.</summary>
    private static byte[] Request(Dictionary<string, string> environment, byte[] stdin)
    {
        using var body = new MemoryStream();
        body.WriteByte(1);
        Int(body, environment.Count);
        foreach (var (name, value) in environment)
        {
            Bytes(body, Encoding.UTF8.GetBytes(name));
            Bytes(body, Encoding.UTF8.GetBytes(value));
        }
        Bytes(body, "l3net"u8.ToArray());
        Bytes(body, stdin);
        return Frame(body.ToArray());
    }

    private static void Int(Stream s, int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        s.Write(bytes);
    }

    private static void Bytes(Stream s, byte[] value)
    {
        Int(s, value.Length);
        s.Write(value);
    }

    public void Dispose()
    {
        _h.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
