using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// The Adj-RIBs-In and the Loc-RIB in one <see cref="PrefixTable"/> (each prefix's entry holds every source's route
/// and the winner, as BIRD's net → routes), plus the Adj-RIBs-Out of every Established session, guarded by one lock.
/// The decision process runs for a prefix as soon as one of its routes changes, so an insert is one hash operation;
/// it emits Loc-RIB changes for learned routes and queues exports at once, and <see cref="Commit"/> (called by the
/// sessions after each batch of received messages) wakes the senders that have something queued. A prefix changed
/// twice in a batch is decided twice; the Adj-RIB-Out coalesces what goes on the wire.
/// </summary>
internal sealed class RibEngine(bool multipath)
{
    /// <summary>Source ids and a prefix's count of candidates are ushorts (<see cref="RouteEntry"/>).</summary>
    private const int MaxSources = ushort.MaxValue;
    private readonly PrefixTable _table = new();
    private readonly PathArrays _arrays = new();
    /// <summary>Sources by <see cref="RibSource.Id"/>; a removed source's id is reused.</summary>
    private RibSource?[] _sources = new RibSource?[8];
    /// <summary>Sources in the table now: no prefix has more candidates, so no candidate array needs more room.</summary>
    private int _sourceCount;
    /// <summary>One shared next-hop list per next hop, so a Loc-RIB change does not allocate its own.</summary>
    private readonly Dictionary<IPAddress, IReadOnlyList<IPAddress>> _singleHops = [];
    private IPAddress? _lastHop;
    private IReadOnlyList<IPAddress> _lastHops = [];
    private readonly List<RibMember> _members = [];
    private readonly List<UpdateGroup> _groups = [];
    private readonly Channel<LocRibChange> _changes = Channel.CreateUnbounded<LocRibChange>(new UnboundedChannelOptions { SingleReader = true });

    private readonly record struct Selected(RibSource Source, PathAttributes Attributes, IPAddress[]? Multipath);

    public object Lock { get; } = new();
    public ChannelReader<LocRibChange> Changes => _changes.Reader;
    public int LocRibCount => _table.Count;

    public void AddSource(RibSource source)
    {
        var id = Array.IndexOf(_sources, null);
        if (id < 0)
        {
            id = _sources.Length;
            if (id == MaxSources)
                throw new InvalidOperationException($"more than {MaxSources} route sources");
            Array.Resize(ref _sources, Math.Min(id * 2, MaxSources));
        }
        _sources[id] = source;
        _sourceCount++;
        source.Id = (ushort)id;
    }

    /// <summary>Ends <see cref="Changes"/> when the speaker stops.</summary>
    public void CompleteChanges() => _changes.Writer.TryComplete();

    public void RemoveSource(RibSource source)
    {
        WithdrawAll(source, afi: null, staleOnly: false);
        _sources[source.Id] = null;
        _sourceCount--;
    }

    public void Announce(RibSource source, Prefix prefix, PathAttributes attributes)
    {
        ref var e = ref _table.GetOrAdd(prefix, out var added);
        if (added)
        {
            // The fast path of a full feed: a new prefix with one candidate, nothing to compare.
            e.Set(0, new Path(attributes, source.Id, Stale: false));
            e.Best = 0;
            source.Accepted++;
            Decided(prefix, ref e, old: null);
            return;
        }
        var i = e.IndexOf(source.Id);
        if (i >= 0 && !e[i].Stale && ReferenceEquals(e[i].Attributes, attributes))
            return;
        var old = Winner(ref e);
        if (i < 0)
        {
            i = e.Count;
            e.Add(new Path(attributes, source.Id, Stale: false), _arrays, _sourceCount);
            source.Accepted++;
        }
        else
        {
            if (e[i].Stale)
                source.Stale--;
            e.Set(i, new Path(attributes, source.Id, Stale: false));
        }
        // A candidate added or replaced beside the winner competes with the winner alone, as in BIRD's
        // rte_recalculate: with ten feeds of one table that is one comparison a route instead of ten. The winner
        // replaced may have got worse, so then every candidate is compared again.
        if (i == e.Best)
            e.Best = (ushort)BestIndex(ref e);
        else if (BestPath.Compare(Candidate(e[i]), Best(ref e)) < 0)
            e.Best = (ushort)i;
        Decided(prefix, ref e, old);
    }

    public void Withdraw(RibSource source, Prefix prefix)
    {
        ref var e = ref _table.Find(prefix);
        if (Unsafe.IsNullRef(ref e))
            return;
        var i = e.IndexOf(source.Id);
        if (i >= 0)
            Remove(prefix, ref e, i, source);
    }

    /// <summary>Marks every route of <paramref name="source"/> stale (graceful restart: the peer went away without a
    /// NOTIFICATION); returns how many.</summary>
    public int MarkStale(RibSource source)
    {
        var stale = 0;
        for (var n = 0; n < _table.Allocated && stale < source.Accepted; n++)
        {
            ref var e = ref _table.At(n);
            var i = e.Paths is null ? -1 : e.IndexOf(source.Id);
            if (i >= 0)
            {
                e.Set(i, e[i] with { Stale = true });
                stale++;
            }
        }
        return source.Stale = stale;
    }

    /// <summary>Drops the routes still marked stale (graceful restart: End-of-RIB received or restart time over).</summary>
    public void SweepStale(RibSource source, Afi? afi = null)
    {
        if (source.Stale > 0)
            WithdrawAll(source, afi, staleOnly: true);
    }

    private void WithdrawAll(RibSource source, Afi? afi, bool staleOnly)
    {
        for (var n = 0; n < _table.Allocated && (staleOnly ? source.Stale : source.Accepted) > 0; n++)
        {
            ref var e = ref _table.At(n);
            if (e.Paths is null || (afi is { } only && e.Afi != only))
                continue;
            var i = e.IndexOf(source.Id);
            if (i >= 0 && (!staleOnly || e[i].Stale))
                Remove(e.Prefix, ref e, i, source);
        }
    }

    private void Remove(Prefix prefix, ref RouteEntry e, int i, RibSource source)
    {
        var old = Winner(ref e);
        if (e[i].Stale)
            source.Stale--;
        source.Accepted--;
        e.RemoveAt(i, _arrays);
        // Only the winner's going needs a new comparison; a loser's going moves the winner's index at most.
        if (e.Paths is not null)
            e.Best = i == e.Best ? (ushort)BestIndex(ref e) : i < e.Best ? (ushort)(e.Best - 1) : e.Best;
        Decided(prefix, ref e, old);
    }

    public void AddMember(RibMember member)
    {
        Enlist(member, member.Group);
        member.Group.Admit(member);
    }

    /// <summary>Adds a member to a group; the group's first member loads the group's table, with nothing queued, since
    /// nobody is in its stream yet.</summary>
    private void Enlist(RibMember member, UpdateGroup group)
    {
        _members.Add(member);
        if (!group.AddMember(member))
            return;
        _groups.Add(group);
        foreach (var (prefix, best) in LocRib())
            group.Out.Set(prefix, group.Select(prefix, best));
        group.Out.DiscardPending();
    }

    public void RemoveMember(RibMember member)
    {
        _members.Remove(member);
        if (member.Group.RemoveMember(member))
            _groups.Remove(member.Group);
    }

    /// <summary>Puts a member catching up on its own (<see cref="RibMember.Private"/>) into <paramref name="to"/> and
    /// decides every Loc-RIB route for it again under that group's policy: what changes is queued (withdrawals for what
    /// the new policy keeps back, announcements for what it lets through). A member whose session closed meanwhile
    /// stays out.</summary>
    public void Regroup(RibMember member, UpdateGroup to)
    {
        if (!_members.Contains(member))
            return;
        RemoveMember(member);
        member.Group = to;
        Enlist(member, to);
        foreach (var (prefix, best) in LocRib())
            member.Private!.Reselect(prefix, member.Select(prefix, best));
    }

    /// <summary>Every route <paramref name="source"/> has in the table (its Adj-RIB-In less what import policy kept out).</summary>
    public List<(Prefix Prefix, PathAttributes Attributes)> RoutesOf(RibSource source)
    {
        var routes = new List<(Prefix, PathAttributes)>(source.Accepted);
        for (var n = 0; n < _table.Allocated && routes.Count < source.Accepted; n++)
        {
            ref var e = ref _table.At(n);
            var i = e.Paths is null ? -1 : e.IndexOf(source.Id);
            if (i >= 0)
                routes.Add((e.Prefix, e[i].Attributes));
        }
        return routes;
    }

    /// <summary>Wakes the senders of the sessions whose Adj-RIB-Out has changes queued.</summary>
    public void Commit()
    {
        foreach (var member in _members)
            if (member.HasPending)
                member.Signal();
    }

    /// <summary>Publishes the outcome of the decision for an entry whose routes just changed (its
    /// <see cref="RouteEntry.Best"/> already chosen), <paramref name="old"/> being the winner before the change: a new
    /// winner goes to the Loc-RIB change stream and to the Adj-RIBs-Out.</summary>
    private void Decided(Prefix prefix, ref RouteEntry e, Selected? old)
    {
        if (e.Paths is null)
        {
            _table.Remove(prefix);
            if (old is { Source.IsLocal: false })
                _changes.Writer.TryWrite(new LocRibChange(prefix, []));
            Export(prefix, null, old);
            return;
        }
        var now = Winner(ref e);
        if (old is { } was && ReferenceEquals(was.Source, now.Source) && ReferenceEquals(was.Attributes, now.Attributes)
            && SameHops(was.Multipath, now.Multipath))
            return;
        if (!now.Source.IsLocal || old is { Source.IsLocal: false })
            _changes.Writer.TryWrite(new LocRibChange(prefix, NextHops(now)));
        Export(prefix, new Candidate(now.Source, now.Attributes), old);
    }

    /// <summary>Once per update group, and once per member only while it catches up on its own. A group that never
    /// exports a learned route (<see cref="UpdateGroup.ExportsLearned"/>) has nothing for the prefix when the winner
    /// before and after are both learned, so it is skipped: a node's ten ToR sessions cost no lookup per route.</summary>
    private void Export(Prefix prefix, Candidate? best, Selected? old)
    {
        var learnedOnly = best is not { Source.IsLocal: true } && old is not { Source.IsLocal: true };
        foreach (var group in _groups)
            if (!learnedOnly || group.ExportsLearned)
                group.Out.Set(prefix, group.Select(prefix, best));
        foreach (var member in _members)
            if (member.Private is { } own && (!learnedOnly || member.Group.ExportsLearned))
                own.Set(prefix, member.Select(prefix, best));
    }

    /// <summary>The Loc-RIB as (prefix, winner) pairs, for a joining session.</summary>
    private IEnumerable<(Prefix Prefix, Candidate Best)> LocRib()
    {
        for (var n = 0; n < _table.Allocated; n++)
            if (_table.At(n).Paths is not null)
                yield return (_table.At(n).Prefix, Best(ref _table.At(n)));
    }

    private int BestIndex(ref RouteEntry e)
    {
        var paths = e.Several;
        if (paths.IsEmpty)
            return 0;
        var best = 0;
        var winner = Candidate(paths[0]);
        for (var i = 1; i < paths.Length; i++)
        {
            var c = Candidate(paths[i]);
            if (BestPath.Compare(c, winner) < 0)
                (best, winner) = (i, c);
        }
        return best;
    }

    private Candidate Candidate(Path path) => new(_sources[path.Source]!, path.Attributes);

    private Candidate Best(ref RouteEntry e) => Candidate(e[e.Best]);

    private Selected Winner(ref RouteEntry e)
    {
        var best = Best(ref e);
        return new Selected(best.Source, best.Attributes, multipath && e.Count > 1 ? Multipath(e.Several, best) : null);
    }

    private IPAddress[]? Multipath(ReadOnlySpan<Path> paths, Candidate winner)
    {
        if (winner.Source.IsLocal)
            return null;
        // Allocates only when there are two next hops: a single one is the common case, decided twice a route.
        IPAddress? first = null;
        List<IPAddress>? hops = null;
        foreach (var path in paths)
            if (BestPath.CompareForMultipath(Candidate(path), winner) == 0 && path.Attributes.NextHop is { } nh)
            {
                if (first is null)
                    first = nh;
                else if (!nh.Equals(first) && hops?.Contains(nh) != true)
                    (hops ??= [first]).Add(nh);
            }
        return hops is null ? null : [.. hops.Order(AddressOrder.Instance)];
    }

    private IReadOnlyList<IPAddress> NextHops(Selected s)
    {
        if (s.Source.IsLocal)
            return [];
        if (s.Multipath is { } hops)
            return hops;
        if (s.Attributes.NextHop is not { } nh)
            return [];
        // A full feed from one neighbour carries one next hop object per attribute set: mostly the same as the last.
        if (ReferenceEquals(nh, _lastHop))
            return _lastHops;
        if (!_singleHops.TryGetValue(nh, out var list))
        {
            if (_singleHops.Count >= 4096)
                _singleHops.Clear(); // next hops are a handful per peer; this only bounds a pathological table
            _singleHops[nh] = list = [nh];
        }
        (_lastHop, _lastHops) = (nh, list);
        return list;
    }

    private static bool SameHops(IPAddress[]? a, IPAddress[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <summary>The attributes of the Loc-RIB winner for <paramref name="prefix"/>, as received; null when there is none.</summary>
    public PathAttributes? Best(Prefix prefix)
    {
        ref var e = ref _table.Find(prefix);
        return Unsafe.IsNullRef(ref e) ? null : e[e.Best].Attributes;
    }

    /// <summary>The Loc-RIB as (prefix, next hops) pairs, learned routes only: for status and tests.</summary>
    public List<(IPNetwork Prefix, IReadOnlyList<IPAddress> NextHops)> Snapshot()
    {
        var routes = new List<(IPNetwork, IReadOnlyList<IPAddress>)>(_table.Count);
        for (var n = 0; n < _table.Allocated; n++)
        {
            ref var e = ref _table.At(n);
            if (e.Paths is null)
                continue;
            var winner = Winner(ref e);
            if (!winner.Source.IsLocal)
                routes.Add((e.Prefix.ToNetwork(), NextHops(winner)));
        }
        return routes;
    }

    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();
        public int Compare(IPAddress? x, IPAddress? y) => x!.GetAddressBytes().AsSpan().SequenceCompareTo(y!.GetAddressBytes());
    }
}
