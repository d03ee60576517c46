using L3Net.Datastore;
using L3Net.Datastore.Sqlite;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

/// <summary>A real SQLite file in a temporary directory, removed at the end.</summary>
public sealed class SqliteFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("l3net-sqlite-").FullName;
    public string Path => System.IO.Path.Combine(Directory, "l3net.db");
    public IDatastore Store { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Store = SqliteDatastore.Open(Path);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

public sealed class SqliteDatastoreTests(SqliteFixture fixture) : DatastoreContractTests, IClassFixture<SqliteFixture>
{
    protected override IDatastore Store => fixture.Store;
    protected override string Config => "sqlite://" + fixture.Path;

    [Fact]
    public async Task A_watch_from_compacted_history_asks_for_a_resync()
    {
        await using var small = SqliteDatastore.Open(fixture.Path, retainedChanges: 5);
        var first = await small.CreateAsync(Key("counter"), Bytes("0"), Ct);
        var revision = first;
        for (var i = 1; i <= 20; i++)
            revision = await small.UpdateAsync(Key("counter"), Bytes(i.ToString()), revision, Ct);
        var e = await Assert.ThrowsAsync<ResyncRequiredException>(() => TakeAsync(small.WatchAsync(Key(""), first, Ct), 1));
        Assert.Equal(first, e.FromRevision);
        var recent = await TakeAsync(small.WatchAsync(Key(""), revision, Ct), 1);
        Assert.Equal("20", Text(recent[0].Value));
    }

    [Fact]
    public async Task Two_handles_on_one_file_see_each_others_writes()
    {
        await using var other = SqliteDatastore.Open(fixture.Path);
        var revision = await Store.CreateAsync(Key("shared"), Bytes("from one"), Ct);
        var seen = await other.GetAsync(Key("shared"), Ct);
        Assert.Equal(revision, seen?.Revision);
        await other.UpdateAsync(Key("shared"), Bytes("from two"), revision, Ct);
        await Assert.ThrowsAsync<ConflictException>(() => Store.UpdateAsync(Key("shared"), Bytes("stale"), revision, Ct));
    }
}
