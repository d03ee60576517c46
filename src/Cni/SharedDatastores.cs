using L3Net.Datastore;

namespace L3Net.Cni;

/// <summary>
/// The datastores a long-running host of the plugin's logic (the node daemon serving handed-off invocations) keeps
/// open across invocations, one per configuration string: the connection, its pool and the JSON contracts stay warm.
/// A string that fails to open is not remembered, so a datastore that was down is tried again by the next invocation.
/// </summary>
public sealed class SharedDatastores : IAsyncDisposable
{
    private readonly Dictionary<string, IDatastore> _open = new(StringComparer.Ordinal);

    /// <summary>The open datastore for <paramref name="datastore"/> (a string <see cref="DatastoreConfig.Resolve"/> made).</summary>
    public IDatastore Get(string datastore)
    {
        lock (_open)
        {
            if (!_open.TryGetValue(datastore, out var store))
                _open[datastore] = store = DatastoreFactory.Open(datastore);
            return store;
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<IDatastore> stores;
        lock (_open)
        {
            stores = [.. _open.Values];
            _open.Clear();
        }
        foreach (var store in stores)
            await store.DisposeAsync();
    }
}
