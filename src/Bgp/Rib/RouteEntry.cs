using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>One source's route for a prefix: what that neighbour announced (its Adj-RIB-In entry).
/// <paramref name="Stale"/>: kept from a previous session while the neighbour restarts (RFC 4724).</summary>
internal readonly record struct Path(PathAttributes Attributes, ushort Source, bool Stale);

/// <summary>
/// One prefix of the RIB: every source's route for it (the Adj-RIBs-In, as BIRD keeps them: net → routes) and which
/// of them won. 32 bytes: the key is stored flat, and the usual case of a single candidate is held inline (its
/// attributes in <see cref="Paths"/>, its source in <see cref="Source"/>), so a full table from one neighbour costs no
/// object per prefix. Several candidates live in a <see cref="Path"/> array with room to spare (two, then doubled, but
/// never more than there are sources; from <see cref="PathArrays"/>), so ten feeds of one table replace a prefix's array
/// three times, not nine, mostly with arrays another prefix gave back, and end in an array of exactly ten: every array
/// allocated is one the collector copies and scans while it lives, and with ten million paths that was most of a
/// feed's CPU. A route changing in place never replaces it; a source leaving shifts the rest down.
/// </summary>
internal struct RouteEntry
{
    public ulong Hi, Lo;
    /// <summary>The single candidate's attributes, a <see cref="Path"/>[] holding two or more, or null: a free slot.</summary>
    public object? Paths;
    /// <summary>The single candidate's source id (see <see cref="RibEngine"/>); with several, how many of the array's
    /// slots are in use.</summary>
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

    public readonly int Count => Paths switch { null => 0, PathAttributes => 1, _ => Source };

    public readonly Path this[int i] => Paths is PathAttributes a ? new Path(a, Source, Stale) : ((Path[])Paths!)[i];

    /// <summary>The candidates when there are several (empty otherwise).</summary>
    public readonly ReadOnlySpan<Path> Several => Paths is Path[] paths ? paths.AsSpan(0, Source) : default;

    public readonly int IndexOf(ushort source)
    {
        if (Paths is PathAttributes)
            return Source == source ? 0 : -1;
        var paths = Several;
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

    /// <summary>Adds a candidate; <paramref name="sources"/> (how many sources the RIB has) bounds the room an array
    /// is given.</summary>
    public void Add(Path path, PathArrays arrays, int sources)
    {
        switch (Paths)
        {
            case null:
                Set(0, path);
                break;
            case PathAttributes a:
                var two = arrays.Rent(2);
                (two[0], two[1]) = (new Path(a, Source, Stale), path);
                (Paths, Source, Stale) = (two, 2, false);
                break;
            default:
                var paths = (Path[])Paths;
                if (Source == paths.Length)
                {
                    var grown = arrays.Rent(Math.Max(Source + 1, Math.Min(paths.Length * 2, sources)));
                    paths.CopyTo(grown, 0);
                    arrays.Return(paths);
                    Paths = paths = grown;
                }
                paths[Source++] = path;
                break;
        }
    }

    public void RemoveAt(int i, PathArrays arrays)
    {
        if (Paths is not Path[] paths)
        {
            Paths = null;
            return;
        }
        if (Source == 2)
        {
            Paths = null;
            Set(0, paths[1 - i]);
            arrays.Return(paths);
            return;
        }
        paths.AsSpan(i + 1, Source - i - 1).CopyTo(paths.AsSpan(i));
        paths[--Source] = default; // no reference kept to the attributes that left
    }
}
