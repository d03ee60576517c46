using System.Net;
using System.Net.Sockets;
using L3Net.Datastore;
using L3Net.Datastore.Etcd;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

/// <summary>A real etcd on a free loopback port with a temporary data directory; stoppable and restartable on the
/// same port and data, removed at the end.</summary>
public sealed class EtcdServer : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("l3net-etcd-").FullName;
    private BackgroundProcess? _process;

    public int Port { get; } = FreePort();
    public string Config => $"etcd://127.0.0.1:{Port}";
    public IDatastore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Requires.Command("etcd");
        await StartAsync();
        Store = new EtcdDatastore(EtcdOptions.Parse(Config));
    }

    public async Task StartAsync()
    {
        var client = $"http://127.0.0.1:{Port}";
        _process = new BackgroundProcess("etcd", ["--data-dir", _dataDir, "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", $"http://127.0.0.1:{FreePort()}", "--log-level", "error"]);
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        await Eventually.AssertAsync(() => Healthy(probe, client), TimeSpan.FromSeconds(20), "etcd start", () => _process.Output);
    }

    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Store is not null)
            await Store.DisposeAsync();
        Stop();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static bool Healthy(HttpClient probe, string client)
    {
        try
        {
            return probe.GetStringAsync(client + "/health").GetAwaiter().GetResult().Contains("\"true\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
