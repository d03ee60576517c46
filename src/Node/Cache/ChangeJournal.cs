namespace L3Net.Node.Cache;

/// <summary>
/// The keys of endpoints and policies the cache changed, by revision: what lets the dataplane feed its calculation
/// just the records that changed between the snapshot it applied and the one it applies now, instead of every endpoint
/// of the cluster. A relist resets it (everything may have changed: the reader takes the whole snapshot), and so does
/// a reader that fell too far behind (<see cref="MaxEntries"/>), so it never grows without bound.
/// </summary>
public sealed class ChangeJournal
{
    /// <summary>Past this many unread changes, the reader takes a whole snapshot instead.</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<(long Revision, string Key)> _entries = new();
    private long _resetAt = long.MaxValue;

    public void Record(long revision, string key)
    {
        lock (_gate)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
                _resetAt = revision;
                return;
            }
            _entries.Enqueue((revision, key));
        }
    }

    /// <summary>Everything may have changed as of <paramref name="revision"/> (a relist).</summary>
    public void Reset(long revision)
    {
        lock (_gate)
        {
            _entries.Clear();
            _resetAt = revision;
        }
    }

    /// <summary>The keys changed after <paramref name="from"/> up to <paramref name="to"/>, once each; null when the
    /// journal cannot tell (a reset after <paramref name="from"/>): the reader then takes the whole snapshot. What is
    /// returned is forgotten, as are older entries: one reader follows the journal.</summary>
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
            foreach (var (revision, key) in _entries)
            {
                if (revision > to)
                    break;
                if (revision > from)
                    keys.Add(key);
            }
            DropUpTo(to);
            return keys;
        }
    }

    private void DropUpTo(long revision)
    {
        while (_entries.TryPeek(out var e) && e.Revision <= revision)
            _entries.Dequeue();
    }
}
