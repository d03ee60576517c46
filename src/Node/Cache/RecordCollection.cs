using System.Collections;
using System.Collections.Immutable;

namespace L3Net.Node.Cache;

/// <summary>The records of one kind as the cache holds them, by datastore key: handed out whole, without a copy (the
/// map is immutable), for readers that look records up by the keys a <see cref="ChangeJournal"/> names.</summary>
public sealed class RecordCollection<T>(ImmutableSortedDictionary<string, T> byKey) : IReadOnlyCollection<T>
{
    public ImmutableSortedDictionary<string, T> ByKey => byKey;

    public int Count => byKey.Count;

    public IEnumerator<T> GetEnumerator() => byKey.Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
