namespace L3Net.Tests.Integration.Cli;

/// <summary>A fresh, empty datastore for one test, named by the configuration string l3netctl takes.</summary>
public interface ITestDatastore : IDisposable
{
    string Config { get; }
}

/// <summary>A new SQLite file in a temporary directory, removed afterwards.</summary>
public sealed class TempSqliteDatastore : ITestDatastore
{
    private readonly string _dir = Directory.CreateTempSubdirectory("l3netctl-sqlite-").FullName;

    public string Config => $"sqlite://{_dir}/l3net.db";

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>The class's real etcd server (one per test class), emptied of L3Net's keys before and after each test.</summary>
public sealed class EtcdTestDatastore : ITestDatastore
{
    private readonly L3Net.Tests.Integration.Datastore.EtcdServer _server;

    public EtcdTestDatastore(L3Net.Tests.Integration.Datastore.EtcdServer server)
    {
        _server = server;
        Wipe();
    }

    public string Config => _server.Config;

    public void Dispose() => Wipe();

    private void Wipe()
    {
        var store = _server.Store;
        foreach (var kv in store.ListAsync("/l3net/").GetAwaiter().GetResult().Items)
            store.DeleteAsync(kv.Key, kv.Revision).GetAwaiter().GetResult();
    }
}
