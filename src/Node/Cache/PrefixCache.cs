using System.Collections.Immutable;
using L3Net.Datastore;

namespace L3Net.Node.Cache;

/// <summary>
/// The records of one kind (every key under <see cref="Prefix"/>), decoded once when they change: filled by one list,
/// then kept by watch events. The map is immutable, so a reader takes it whole without copying while the next event
/// builds its successor (O(log n) per event).
/// </summary>
public sealed class PrefixCache<T>(string prefix, Func<KeyValue, T> decode) : IPrefixCache
{
    private ImmutableSortedDictionary<string, T> _items = ImmutableSortedDictionary.Create<string, T>(StringComparer.Ordinal);

    /// <summary>The revision the last list was read at: it already holds every change up to there.</summary>
    private long _listedAt;

    public string Prefix => prefix;

    /// <summary>By key, the order <see cref="IDatastore.ListAsync"/> gives.</summary>
    public ImmutableSortedDictionary<string, T> Items => Volatile.Read(ref _items);

    public async Task<long> ListAsync(IDatastore store, CancellationToken ct)
    {
        var list = await store.ListAsync(prefix, ct);
        var items = ImmutableSortedDictionary.CreateBuilder<string, T>(StringComparer.Ordinal);
        foreach (var kv in list.Items)
            items[kv.Key] = decode(kv);
        _listedAt = list.Revision;
        Volatile.Write(ref _items, items.ToImmutable());
        return list.Revision;
    }

    public bool Apply(WatchEvent change)
    {
        // A watch runs from the oldest list of all kinds, so it replays what a later list of this kind already holds.
        if (change.Revision <= _listedAt || !change.Key.StartsWith(prefix, StringComparison.Ordinal))
            return false;
        var items = Items;
        Volatile.Write(ref _items, change.Type == WatchEventType.Put
            ? items.SetItem(change.Key, decode(new KeyValue(change.Key, change.Value, change.Revision)))
            : items.Remove(change.Key));
        return true;
    }

    /// <summary>Replaces a record the cache already holds with a new rendering of it (the same stored record with other
    /// metadata laid over it); no store change is involved.</summary>
    public void Replace(string key, T item) => Volatile.Write(ref _items, Items.SetItem(key, item));
}

/// <summary>What <see cref="ClusterCache"/> does with each of its kinds, whatever the kind decodes to.</summary>
public interface IPrefixCache
{
    string Prefix { get; }

    /// <summary>Replaces the contents with a fresh list; returns the revision it was read at.</summary>
    Task<long> ListAsync(IDatastore store, CancellationToken ct);

    /// <summary>Applies a change under <see cref="Prefix"/>; false when it is not this kind's or the list already held it.</summary>
    bool Apply(WatchEvent change);
}
