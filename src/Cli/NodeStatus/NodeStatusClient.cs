using System.Net.Sockets;
using System.Text.Json;
using L3Net.Model.Status;

namespace L3Net.Cli.NodeStatus;

/// <summary>Reads <c>GET /status</c> from the local l3net-node over its unix socket (HTTP/1.1).</summary>
public static class NodeStatusClient
{
    public const string DefaultSocket = "/var/run/l3net/node.sock";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<NodeStatusReport> GetAsync(string socketPath, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { Timeout = Timeout };
        HttpResponseMessage response;
        try
        {
            // The host name is never resolved: the connect callback above always dials the socket.
            response = await http.GetAsync(new Uri("http://l3net-node/status"), ct);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException s)
        {
            throw new CliException(ExitCode.DaemonUnavailable, NotRunning(socketPath, s), e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCode.DaemonUnavailable,
                $"l3net-node did not answer on {socketPath} within {Timeout.TotalSeconds:0} s", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new CliException(ExitCode.Failure,
                    $"l3net-node answered {(int)response.StatusCode} {response.ReasonPhrase} on {socketPath}");
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            try
            {
                return await JsonSerializer.DeserializeAsync<NodeStatusReport>(body, JsonSerializerOptions.Web, ct)
                    ?? throw new JsonException("empty document");
            }
            catch (JsonException e)
            {
                throw new CliException(ExitCode.Failure, $"l3net-node sent a status report that is not valid: {e.Message}", e);
            }
        }
    }

    private static string NotRunning(string socketPath, SocketException s) => s.SocketErrorCode switch
    {
        SocketError.AddressNotAvailable or SocketError.ConnectionRefused when !File.Exists(socketPath) =>
            $"l3net-node is not running on this host (no status socket at {socketPath})",
        SocketError.ConnectionRefused =>
            $"l3net-node is not running on this host (nothing listens on {socketPath})",
        SocketError.AccessDenied =>
            $"cannot read l3net-node status: permission denied on {socketPath} (run as root)",
        _ => $"l3net-node is not reachable on {socketPath}: {s.Message}",
    };
}
