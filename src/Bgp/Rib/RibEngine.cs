using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// Adj-RIBs-In (held by the sources), the Loc-RIB and the Adj-RIBs-Out of every Established session, guarded by one
/// lock. Changes mark prefixes dirty; <see cref="Commit"/> runs the decision process once per dirty prefix, emits
/// Loc-RIB changes for learned routes and queues exports. Sessions call it after each batch of received messages, so
/// a burst of UPDATEs costs one decision per prefix, not per message. The dirty set is a list: a prefix changed twice
/// in one batch is decided twice, the second time a no-op, which is cheaper than hashing every change into a set.
/// </summary>
internal sealed class RibEngine(bool multipath)
{
    private readonly List<RibSource> _sources = [];
    private readonly Dictionary<Prefix, Selected> _locRib = [];
    private readonly List<Prefix> _dirty = [];
    /// <summary>One shared next-hop list per next hop, so a Loc-RIB change does not allocate its own.</summary>
    private readonly Dictionary<IPAddress, IReadOnlyList<IPAddress>> _singleHops = [];
    private readonly List<RibMember> _members = [];
    private readonly List<UpdateGroup> _groups = [];
    private readonly Channel<LocRibChange> _changes = Channel.CreateUnbounded<LocRibChange>(new UnboundedChannelOptions { SingleReader = true });

    private readonly record struct Selected(RibSource Source, PathAttributes Attributes, IPAddress[]? Multipath);

    public object Lock { get; } = new();
    public ChannelReader<LocRibChange> Changes => _changes.Reader;
    public int LocRibCount => _locRib.Count;

    public void AddSource(RibSource source) => _sources.Add(source);

    /// <summary>Ends <see cref="Changes"/> when the speaker stops.</summary>
    public void CompleteChanges() => _changes.Writer.TryComplete();

    public void RemoveSource(RibSource source)
    {
        _dirty.AddRange(source.AdjRibIn.Keys);
        source.AdjRibIn.Clear();
        source.Stale = null;
        _sources.Remove(source);
    }

    public void Announce(RibSource source, Prefix prefix, PathAttributes attributes)
    {
        source.AdjRibIn[prefix] = attributes;
        source.Stale?.Remove(prefix);
        _dirty.Add(prefix);
    }

    public void Withdraw(RibSource source, Prefix prefix)
    {
        if (source.AdjRibIn.Remove(prefix))
            _dirty.Add(prefix);
    }

    /// <summary>Drops the routes still marked stale (graceful restart: End-of-RIB received or restart time over).</summary>
    public void SweepStale(RibSource source, Afi? afi = null)
    {
        if (source.Stale is null)
            return;
        foreach (var prefix in source.Stale.Where(p => afi is null || p.Afi == afi).ToList())
        {
            Withdraw(source, prefix);
            source.Stale.Remove(prefix);
        }
    }

    public void AddMember(RibMember member)
    {
        _members.Add(member);
        var first = member.Group.AddMember(member);
        if (first)
            _groups.Add(member.Group);
        member.Start(_locRib.Select(kv => (kv.Key, new Candidate(kv.Value.Source, kv.Value.Attributes))), loadGroup: first);
    }

    public void RemoveMember(RibMember member)
    {
        _members.Remove(member);
        if (member.Group.RemoveMember(member))
            _groups.Remove(member.Group);
    }

    public void Commit()
    {
        if (_dirty.Count == 0)
            return;
        foreach (var prefix in CollectionsMarshal.AsSpan(_dirty))
            Decide(prefix);
        _dirty.Clear();
        foreach (var member in _members)
            if (member.HasPending)
                member.Signal();
    }

    private void Decide(Prefix prefix)
    {
        Candidate? best = null;
        foreach (var source in _sources)
            if (source.AdjRibIn.TryGetValue(prefix, out var a))
            {
                var c = new Candidate(source, a);
                if (best is null || BestPath.Compare(c, best.Value) < 0)
                    best = c;
            }
        if (best is not { } winner)
        {
            if (!_locRib.Remove(prefix, out var gone))
                return;
            if (!gone.Source.IsLocal)
                _changes.Writer.TryWrite(new LocRibChange(prefix.ToNetwork(), []));
        }
        else
        {
            // One hash lookup for both the comparison with the old winner and the store.
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_locRib, prefix, out var had);
            var old = slot;
            var selected = new Selected(winner.Source, winner.Attributes, multipath ? Multipath(prefix, winner) : null);
            if (had && ReferenceEquals(old.Source, selected.Source) && ReferenceEquals(old.Attributes, selected.Attributes)
                && SameHops(old.Multipath, selected.Multipath))
                return;
            slot = selected;
            if (!selected.Source.IsLocal || (had && !old.Source.IsLocal))
                _changes.Writer.TryWrite(new LocRibChange(prefix.ToNetwork(), NextHops(selected)));
        }
        // Once per update group, and once per member only while it catches up on its own.
        foreach (var group in _groups)
            group.Out.Set(prefix, group.Select(prefix, best));
        foreach (var member in _members)
            member.Private?.Set(prefix, member.Select(prefix, best));
    }

    private IPAddress[]? Multipath(Prefix prefix, Candidate winner)
    {
        if (winner.Source.IsLocal)
            return null;
        var hops = new List<IPAddress>();
        foreach (var source in _sources)
            if (source.AdjRibIn.TryGetValue(prefix, out var a) && BestPath.CompareForMultipath(new Candidate(source, a), winner) == 0
                && a.NextHop is { } nh && !hops.Contains(nh))
                hops.Add(nh);
        return hops.Count > 1 ? [.. hops.Order(AddressOrder.Instance)] : null;
    }

    private IReadOnlyList<IPAddress> NextHops(Selected s)
    {
        if (s.Source.IsLocal)
            return [];
        if (s.Multipath is { } hops)
            return hops;
        if (s.Attributes.NextHop is not { } nh)
            return [];
        if (!_singleHops.TryGetValue(nh, out var list))
        {
            if (_singleHops.Count >= 4096)
                _singleHops.Clear(); // next hops are a handful per peer; this only bounds a pathological table
            _singleHops[nh] = list = [nh];
        }
        return list;
    }

    private static bool SameHops(IPAddress[]? a, IPAddress[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <summary>The attributes of the Loc-RIB winner for <paramref name="prefix"/>, as received; null when there is none.</summary>
    public PathAttributes? Best(Prefix prefix) => _locRib.TryGetValue(prefix, out var s) ? s.Attributes : null;

    /// <summary>The Loc-RIB as (prefix, next hops) pairs, learned routes only: for status and tests.</summary>
    public List<(IPNetwork Prefix, IReadOnlyList<IPAddress> NextHops)> Snapshot()
        => _locRib.Where(kv => !kv.Value.Source.IsLocal).Select(kv => (kv.Key.ToNetwork(), NextHops(kv.Value))).ToList();

    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();
        public int Compare(IPAddress? x, IPAddress? y) => x!.GetAddressBytes().AsSpan().SequenceCompareTo(y!.GetAddressBytes());
    }
}
