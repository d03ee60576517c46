namespace L3Net.Datastore;

/// <summary>One stored record: the raw value (JSON bytes) and the revision of its last change.</summary>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long Revision);

/// <summary>The records under a prefix, read consistently at <paramref name="Revision"/> (the store-wide revision),
/// so that a watch started from <c>Revision + 1</c> misses nothing.</summary>
public sealed record ListResult(IReadOnlyList<KeyValue> Items, long Revision);

public enum WatchEventType { Put, Delete }

/// <summary>A change to one key. For <see cref="WatchEventType.Delete"/>, <paramref name="Value"/> is empty and
/// <paramref name="Revision"/> is the revision of the deletion.</summary>
public sealed record WatchEvent(WatchEventType Type, string Key, ReadOnlyMemory<byte> Value, long Revision);

/// <summary>
/// The one interface every component stores state through. Keys are resource paths
/// (<c>/l3net/ippools/default</c>); revisions are store-wide, increase with every write and are never reused.
/// Correctness of IPAM rests on compare-and-swap alone: no caller may rely on a process-local lock, because
/// CNI invocations are separate processes on many nodes.
/// </summary>
public interface IDatastore : IAsyncDisposable
{
    /// <summary>Null when the key does not exist.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>Every key that starts with <paramref name="prefix"/>, ordered by key.</summary>
    Task<ListResult> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>Creates the key; throws <see cref="AlreadyExistsException"/> when it exists. Returns the new revision.</summary>
    Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default);

    /// <summary>Replaces the value only if the key's revision is still <paramref name="expectedRevision"/>;
    /// throws <see cref="ConflictException"/> when stale, <see cref="NotFoundException"/> when absent.</summary>
    Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default);

    /// <summary>Deletes only if the key's revision is still <paramref name="expectedRevision"/>;
    /// throws <see cref="ConflictException"/> when stale, <see cref="NotFoundException"/> when absent.</summary>
    Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default);

    /// <summary>Every change under <paramref name="prefix"/> with revision &gt;= <paramref name="fromRevision"/>, in
    /// revision order, resuming by itself after a dropped connection. Throws <see cref="ResyncRequiredException"/>
    /// when the history from that revision is gone (compacted): the caller must list again.</summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken ct = default);
}
