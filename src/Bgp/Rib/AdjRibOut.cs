using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>A route as one update group exports it: the transformed attributes and the source they came from (the
/// member that is that source must not get it back). One instance per (attributes, source) per group, so equality is
/// by reference.</summary>
internal sealed class ExportedRoute(PathAttributes attributes, RibSource source)
{
    public PathAttributes Attributes { get; } = attributes;
    public RibSource Source { get; } = source;
}

/// <summary>A batch of changes, grouped so that prefixes sharing attributes pack into one UPDATE.</summary>
internal sealed record OutBatch(List<Prefix> Withdrawn, Dictionary<ExportedRoute, List<Prefix>> Announced, IReadOnlyList<Afi> EndOfRib)
{
    public bool IsEmpty => Withdrawn.Count == 0 && Announced.Count == 0 && EndOfRib.Count == 0;

    public IEnumerable<Prefix> Prefixes => Withdrawn.Concat(Announced.Values.SelectMany(p => p));
}

/// <summary>
/// What we told a peer (RFC 4271 3.2 Adj-RIB-Out) and what is still to be sent: one per update group for its members
/// in sync, one per member catching up on its own. Changes coalesce: a prefix that changes twice before the sender runs
/// goes out once, with its latest attributes. Guarded by the RIB lock.
/// </summary>
internal sealed class AdjRibOut
{
    private readonly Dictionary<Prefix, ExportedRoute> _sent = [];
    private Dictionary<Prefix, ExportedRoute?> _pending = [];
    private readonly List<Afi> _endOfRib = [];
    /// <summary>Routes in <c>_sent</c> per learned source, so a member in sync can say how many it was actually sent.</summary>
    private readonly Dictionary<RibSource, int> _fromSource = [];

    public int Count => _sent.Count;
    public int CountFrom(RibSource source) => _fromSource.GetValueOrDefault(source);
    public bool HasPending => _pending.Count > 0 || _endOfRib.Count > 0;
    public IEnumerable<Prefix> PendingPrefixes => _pending.Keys;

    public void Set(Prefix prefix, ExportedRoute? route)
    {
        if (route is null)
        {
            if (_sent.Remove(prefix, out var gone))
            {
                Tally(gone.Source, -1);
                _pending[prefix] = null;
            }
        }
        else if (!_sent.TryGetValue(prefix, out var old) || !ReferenceEquals(old, route))
        {
            if (old is not null)
                Tally(old.Source, -1);
            Keep(prefix, route);
            _pending[prefix] = route;
        }
    }

    /// <summary>As <see cref="Set"/>, for a member that moved to another update group: the new group's routes are other
    /// instances, so one that sends the same attributes from the same source replaces the old one without going out again.</summary>
    public void Reselect(Prefix prefix, ExportedRoute? route)
    {
        if (route is not null && _sent.TryGetValue(prefix, out var old) && ReferenceEquals(old.Source, route.Source)
            && old.Attributes.Equals(route.Attributes))
        {
            _sent[prefix] = route;
            if (_pending.ContainsKey(prefix))
                _pending[prefix] = route;
            return;
        }
        Set(prefix, route);
    }

    private void Keep(Prefix prefix, ExportedRoute route)
    {
        _sent[prefix] = route;
        Tally(route.Source, 1);
    }

    private void Tally(RibSource source, int delta)
    {
        if (!source.IsLocal)
            _fromSource[source] = _fromSource.GetValueOrDefault(source) + delta;
    }

    public void QueueEndOfRib(Afi afi) => _endOfRib.Add(afi);

    /// <summary>Queues every route of one family again (route refresh). Pending withdrawals stay queued.</summary>
    public void ResendAll(Afi afi)
    {
        foreach (var (prefix, route) in _sent)
            if (prefix.Afi == afi)
                _pending[prefix] = route;
    }

    /// <summary>Drops what is queued: nobody is reading this Adj-RIB-Out's output (an update group with no member in sync).</summary>
    public void DiscardPending()
    {
        _pending.Clear();
        _endOfRib.Clear();
    }

    /// <summary>A member's own copy of a group's table (what the group has told, or is about to tell, its members), less
    /// the member's own routes, with <paramref name="unsent"/> queued: the member leaves the group's stream having
    /// missed those.</summary>
    public static AdjRibOut Fork(AdjRibOut group, RibSource member, IEnumerable<Prefix> unsent)
    {
        var fork = new AdjRibOut();
        foreach (var (prefix, route) in group._sent)
            if (!ReferenceEquals(route.Source, member))
                fork.Keep(prefix, route);
        foreach (var prefix in unsent)
            fork._pending[prefix] = fork._sent.GetValueOrDefault(prefix); // null: a withdrawal, harmless if never announced
        return fork;
    }

    /// <summary>What is queued, as one batch; the queue is left empty.</summary>
    public OutBatch Take()
    {
        var pending = _pending;
        _pending = [];
        var eor = _endOfRib.ToList();
        _endOfRib.Clear();
        return Batch(pending, eor);
    }

    /// <summary>The whole table and End-of-RIB for <paramref name="afi"/>, for members joining; nothing is taken.</summary>
    public OutBatch Whole(Afi afi) => Batch(_sent!, [afi]);

    private static OutBatch Batch(IEnumerable<KeyValuePair<Prefix, ExportedRoute?>> changes, IReadOnlyList<Afi> endOfRib)
    {
        var withdrawn = new List<Prefix>();
        var announced = new Dictionary<ExportedRoute, List<Prefix>>(); // by reference: ExportedRoute has no value equality
        foreach (var (prefix, route) in changes)
        {
            if (route is null)
                withdrawn.Add(prefix);
            else if (announced.TryGetValue(route, out var list))
                list.Add(prefix);
            else
                announced[route] = [prefix];
        }
        return new OutBatch(withdrawn, announced, endOfRib);
    }
}
