using System.Net.Sockets;
using System.Text;

namespace L3Net.Tests.Integration.Cli;

/// <summary>A test double of l3net-node's status endpoint: a real HTTP/1.1 server on a real unix socket that answers
/// every request with a fixed body. It stands in for the daemon only where the test is about how l3netctl reads and
/// prints a report; the socket, the HTTP exchange and the client code are all real.</summary>
public sealed class NodeStatusDaemonDouble : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("l3netctl-status-").FullName;
    private readonly Task _serving;

    public NodeStatusDaemonDouble(string body, int status = 200)
    {
        SocketPath = Path.Combine(_dir, "node.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
        _serving = ServeAsync(body, status);
    }

    public string SocketPath { get; }
    public List<string> RequestLines { get; } = [];

    private async Task ServeAsync(string body, int status)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            using (client)
            await using (var stream = new NetworkStream(client))
            {
                var reader = new StreamReader(stream, Encoding.ASCII);
                var requestLine = await reader.ReadLineAsync(_stop.Token);
                lock (RequestLines) RequestLines.Add(requestLine ?? "");
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stop.Token))) { }
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        Directory.Delete(_dir, recursive: true);
        _stop.Dispose();
    }
}
