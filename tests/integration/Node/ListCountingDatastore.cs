using L3Net.Datastore;

namespace L3Net.Tests.Integration.Node;

/// <summary>A real store with its <see cref="IDatastore.ListAsync"/> calls counted: how a test sees that a change reached a
/// reader without a full read. Every call goes to the store underneath unchanged.</summary>
public sealed class ListCountingDatastore(IDatastore store) : IDatastore
{
    private int _lists;

    public int Lists => Volatile.Read(ref _lists);

    public Task<ListResult> ListAsync(string prefix, CancellationToken ct = default)
    {
        Interlocked.Increment(ref _lists);
        return store.ListAsync(prefix, ct);
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct = default) => store.GetAsync(key, ct);

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default) => store.CreateAsync(key, value, ct);

    public Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default)
        => store.UpdateAsync(key, value, expectedRevision, ct);

    public Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default) => store.DeleteAsync(key, expectedRevision, ct);

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken ct = default)
        => store.WatchAsync(prefix, fromRevision, ct);

    public ValueTask DisposeAsync() => store.DisposeAsync();
}
