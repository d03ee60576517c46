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
