using L3Net.Datastore;
using Prometheus;

namespace L3Net.Node;

/// <summary>The node's datastore with every read counted (<c>l3net_datastore_reads_total</c> by call: list, get, watch):
/// how an operator, and the node-scale benchmark, see that a change elsewhere in the cluster costs this node no read.
/// Every call goes to the store underneath unchanged.</summary>
public sealed class ReadCountingDatastore(IDatastore store, Counter reads) : IDatastore
{
    public IDatastore Inner => store;

    public Task<ListResult> ListAsync(string prefix, CancellationToken ct = default)
    {
        reads.WithLabels("list").Inc();
        return store.ListAsync(prefix, ct);
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct = default)
    {
        reads.WithLabels("get").Inc();
        return store.GetAsync(key, ct);
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken ct = default)
    {
        reads.WithLabels("watch").Inc();
        return store.WatchAsync(prefix, fromRevision, ct);
    }

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default) => store.CreateAsync(key, value, ct);

    public Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default)
        => store.UpdateAsync(key, value, expectedRevision, ct);

    public Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default) => store.DeleteAsync(key, expectedRevision, ct);

    public ValueTask DisposeAsync() => store.DisposeAsync();
}
