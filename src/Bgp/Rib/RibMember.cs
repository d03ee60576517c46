using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>An Established session as the RIB sees it: its source of routes, its export group and its Adj-RIB-Out.</summary>
internal sealed class RibMember(RibSource source, UpdateGroup group, IReadOnlyList<Afi> families, IReadOnlyList<Prefix>? exportFilter, Action signal)
{
    public RibSource Source { get; } = source;
    public UpdateGroup Group { get; } = group;
    public IReadOnlyList<Afi> Families { get; } = families;
    public AdjRibOut Out { get; } = new();

    /// <summary>Tells the session's sender that <see cref="Out"/> has something to send.</summary>
    public void Signal() => signal();

    /// <summary>The attributes this session should have for <paramref name="prefix"/> given the Loc-RIB winner (null: none).</summary>
    public PathAttributes? Select(Prefix prefix, Candidate? best)
    {
        if (best is not { } c || ReferenceEquals(c.Source, Source) || !Families.Contains(prefix.Afi))
            return null;
        if (c.Source.IsLocal && exportFilter is not null && !exportFilter.Any(f => f.Contains(prefix)))
            return null;
        if (!Group.Key.Ibgp && c.Attributes.AsPath.Contains(Group.Key.RemoteAs))
            return null; // the peer would drop it as a loop anyway
        return Group.Export(c.Source, c.Attributes);
    }
}
