using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>One source's route for a prefix: what that neighbour announced (its Adj-RIB-In entry).
/// <paramref name="Stale"/>: kept from a previous session while the neighbour restarts (RFC 4724).</summary>
internal readonly record struct Path(PathAttributes Attributes, ushort Source, bool Stale);

/// <summary>
/// One prefix of the RIB: every source's route for it (the Adj-RIBs-In, as BIRD keeps them: net → routes) and which
/// of them won. 32 bytes: the key is stored flat, and the usual case of a single candidate is held inline (its
/// attributes in <see cref="Paths"/>, its source in <see cref="Source"/>), so a full table from one neighbour costs no
/// object per prefix. Several candidates live in an exact-size <see cref="Path"/> array, replaced only when a source
/// joins or leaves the prefix, not when a route changes.
/// </summary>
internal struct RouteEntry
{
    public ulong Hi, Lo;
    /// <summary>The single candidate's attributes, a <see cref="Path"/>[] of two or more, or null: a free slot.</summary>
    public object? Paths;
    /// <summary>The single candidate's source id (see <see cref="RibEngine"/>).</summary>
    public ushort Source;
    public Afi Afi;
    public byte Length;
    /// <summary>Index of the Loc-RIB winner among the candidates (a service address announced by every node of a large
    /// cluster has hundreds, so not a byte).</summary>
    public ushort Best;
    /// <summary>The single candidate is stale.</summary>
    public bool Stale;

    public readonly Prefix Prefix => new(Afi, Hi, Lo, Length);

    public readonly bool Matches(in Prefix p) => Hi == p.Hi && Lo == p.Lo && Length == p.Length && Afi == p.Afi;

    public readonly int Count => Paths switch { null => 0, PathAttributes => 1, _ => ((Path[])Paths).Length };

    public readonly Path this[int i] => Paths is PathAttributes a ? new Path(a, Source, Stale) : ((Path[])Paths!)[i];

    public readonly int IndexOf(ushort source)
    {
        if (Paths is PathAttributes)
            return Source == source ? 0 : -1;
        var paths = (Path[])Paths!;
        for (var i = 0; i < paths.Length; i++)
            if (paths[i].Source == source)
                return i;
        return -1;
    }

    /// <summary>Takes a fresh slot for <paramref name="prefix"/>, with no candidate yet.</summary>
    public void Init(in Prefix prefix)
    {
        (Hi, Lo, Afi, Length) = (prefix.Hi, prefix.Lo, prefix.Afi, prefix.Length);
        (Paths, Source, Best, Stale) = (null, 0, 0, false);
    }

    public void Set(int i, Path path)
    {
        if (Paths is Path[] paths)
            paths[i] = path;
        else
            (Paths, Source, Stale) = (path.Attributes, path.Source, path.Stale);
    }

    public void Add(Path path)
    {
        switch (Paths)
        {
            case null:
                Set(0, path);
                break;
            case PathAttributes a:
                Paths = new[] { new Path(a, Source, Stale), path };
                break;
            default:
                var paths = (Path[])Paths;
                var grown = new Path[paths.Length + 1];
                paths.CopyTo(grown, 0);
                grown[^1] = path;
                Paths = grown;
                break;
        }
    }

    public void RemoveAt(int i)
    {
        if (Paths is not Path[] paths)
        {
            Paths = null;
            return;
        }
        if (paths.Length == 2)
        {
            Paths = null;
            Set(0, paths[1 - i]);
            return;
        }
        Paths = (Path[])[.. paths.AsSpan(0, i), .. paths.AsSpan(i + 1)];
    }
}
