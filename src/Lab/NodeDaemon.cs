using System.Net.Http.Json;
using System.Net.Sockets;
using L3Net.Model.Status;

namespace L3Net.Lab;

/// <summary>One <c>l3net-node</c> inside its node namespace, started by path with the contract's command line, and
/// its status socket (HTTP over a unix socket: the socket path is the same from every namespace).</summary>
public sealed class NodeDaemon(LabState state, LabNode node)
{
    public const string Binary = "l3net-node";

    public void Start()
    {
        File.Delete(node.StatusSocket);
        Exec.StartDaemon(node.Namespace, state.NodeBinary,
            ["--node", node.Name, "--datastore", state.Plan.NodeDatastore,
             "--ipv4-address", $"{node.Address}/{AddressPlan.FabricPrefixLength}", "--as", node.AsNumber.ToString(),
             "--status-socket", node.StatusSocket, "--health", "127.0.0.1:9099", "--cni-socket", node.CniSocket],
            node.LogFile, node.PidFile);
    }

    public bool Running => Exec.RunningPid(node.PidFile) is not null;

    /// <summary>SIGKILL, as a crash would: no goodbye to the peers (graceful restart keeps their routes).</summary>
    public async Task KillAsync()
    {
        if (Exec.RunningPid(node.PidFile) is not { } pid)
            return;
        Exec.Run("kill", "-KILL", pid.ToString());
        for (var i = 0; i < 50 && Running; i++)
            await Task.Delay(100);
    }

    /// <summary>Waits until the daemon answers on its status socket; fails with the end of its log otherwise.</summary>
    public async Task WaitReadyAsync(TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (!Running)
                throw new LabException($"{Binary} on {node.Name} exited:\n{LogTail()}");
            try
            {
                await StatusAsync(ct);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TaskCanceledException)
            {
                await Task.Delay(200, ct);
            }
        }
        throw new LabException($"{Binary} on {node.Name} did not answer on {node.StatusSocket} within {within.TotalSeconds} s:\n{LogTail()}");
    }

    public string LogTail(int lines = 15) =>
        File.Exists(node.LogFile) ? string.Join('\n', File.ReadLines(node.LogFile).TakeLast(lines)) : "(no log)";

    public async Task<NodeStatusReport> StatusAsync(CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(node.StatusSocket), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { Timeout = TimeSpan.FromSeconds(3) };
        return await http.GetFromJsonAsync("http://localhost/status", LabJson.Default.NodeStatusReport, ct)
            ?? throw new LabException($"{node.Name}: empty status");
    }
}
