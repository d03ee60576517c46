namespace L3Net.Node.Cache;

/// <summary>
/// The keys of endpoints and policies the cache changed, by position (one per change, in order: a watch event, or under
/// the Kubernetes datastore an informer's pod or namespace change, which has no revision of the store): what lets the
/// dataplane feed its calculation just the records that changed between the snapshot it applied and the one it applies
/// now, instead of every endpoint of the cluster. A relist resets it (everything may have changed: the reader takes the
/// whole snapshot), and so does a reader that fell too far behind (<see cref="MaxEntries"/>), so it never grows without
/// bound.
/// </summary>
public sealed class ChangeJournal
{
    /// <summary>Past this many unread changes, the reader takes a whole snapshot instead.</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<(long Position, string Key)> _entries = new();
    private long _resetAt = long.MaxValue;
    private long _position;

    /// <summary>The position of the last change recorded: a snapshot notes it, to take what came after it later.</summary>
    public long Position
    {
        get
        {
            lock (_gate)
                return _position;
        }
    }

    public void Record(string key)
    {
        lock (_gate)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
                _resetAt = ++_position;
                return;
            }
            _entries.Enqueue((++_position, key));
        }
    }

    /// <summary>Everything may have changed from here on (a relist).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _entries.Clear();
            _resetAt = ++_position;
        }
    }

    /// <summary>The keys changed after position <paramref name="from"/> up to <paramref name="to"/>, once each; null
    /// when the journal cannot tell (a reset after <paramref name="from"/>): the reader then takes the whole snapshot.
    /// What is returned is forgotten, as are older entries: one reader follows the journal.</summary>
    public IReadOnlyCollection<string>? Take(long from, long to)
    {
        lock (_gate)
        {
            if (_resetAt != long.MaxValue && _resetAt > from)
            {
                _resetAt = long.MaxValue;
                DropUpTo(to);
                return null;
            }
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (position, key) in _entries)
            {
                if (position > to)
                    break;
                if (position > from)
                    keys.Add(key);
            }
            DropUpTo(to);
            return keys;
        }
    }

    private void DropUpTo(long position)
    {
        while (_entries.TryPeek(out var e) && e.Position <= position)
            _entries.Dequeue();
    }
}
